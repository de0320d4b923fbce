-- A department summoned to a case reads it (and lists it with ?summoned=) while it does its part, though it never holds the case.
-- Rows of cases that summoned departments before this migration get the column filled on their next change.
ALTER TABLE "cases" ADD COLUMN "summoned" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "cases_summoned_idx" ON "cases" USING gin ("summoned");