ALTER TABLE "cases" ADD COLUMN "case_type" text DEFAULT 'complaint' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "origin" text DEFAULT 'citizen' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "privacy" text DEFAULT 'open' NOT NULL;--> statement-breakpoint
CREATE INDEX "cases_origin_received_idx" ON "cases" USING btree ("origin","received_at");