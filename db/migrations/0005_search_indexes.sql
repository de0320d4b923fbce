CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
DROP INDEX "cases_received_idx";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "holders" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "cases_deadline_sort_idx" ON "cases" USING btree (coalesce("deadline", 'infinity'::timestamptz),"case_no");--> statement-breakpoint
CREATE INDEX "cases_district_received_idx" ON "cases" USING btree ("district_id","received_at");--> statement-breakpoint
CREATE INDEX "cases_source_received_idx" ON "cases" USING btree ("source","received_at");--> statement-breakpoint
CREATE INDEX "cases_step_since_idx" ON "cases" USING btree ("step_since") WHERE "cases"."closed_at" IS NULL;--> statement-breakpoint
CREATE INDEX "cases_closed_idx" ON "cases" USING btree ("district_id","closed_at");--> statement-breakpoint
CREATE INDEX "cases_holders_idx" ON "cases" USING gin ("holders");--> statement-breakpoint
CREATE INDEX "cases_title_trgm_idx" ON "cases" USING gin ("title" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "cases_received_idx" ON "cases" USING btree ("received_at","case_no");