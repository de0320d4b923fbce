ALTER TABLE "case_outcomes" ADD COLUMN "orders_issued" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "orders_answered_on_time" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "orders_warned" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "orders_missed" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "case_type" text DEFAULT 'complaint' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "origin" text DEFAULT 'citizen' NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "privacy" text DEFAULT 'open' NOT NULL;--> statement-breakpoint
CREATE INDEX "case_timeline_orders_idx" ON "case_timeline" USING btree ("actor_unit_id","at") WHERE "case_timeline"."action" = 'order-issued';--> statement-breakpoint
CREATE INDEX "cases_origin_received_idx" ON "cases" USING btree ("origin","received_at");