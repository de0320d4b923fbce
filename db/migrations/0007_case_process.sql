ALTER TABLE "cases" ADD COLUMN "process_key" text DEFAULT 'complaint' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "process_version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
CREATE INDEX "cases_process_step_idx" ON "cases" USING btree ("process_key","step") WHERE "cases"."closed_at" IS NULL;