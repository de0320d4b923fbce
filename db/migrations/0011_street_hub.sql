CREATE TABLE "arbitration_rulings" (
	"id" text PRIMARY KEY NOT NULL,
	"case_no" text NOT NULL,
	"category" text NOT NULL,
	"level" text NOT NULL,
	"lead_unit_id" text NOT NULL,
	"co_unit_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"ruling" text NOT NULL,
	"ruled_by" text NOT NULL,
	"ruled_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'proposed' NOT NULL,
	"list_version" integer,
	"decided_by" text,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "process_rules" (
	"id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "process_rules_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1),
	"source" text,
	"category" text,
	"process_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "whistled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "shirked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "overdue_at_top" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "part_done" boolean;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "cooperation" integer;--> statement-breakpoint
ALTER TABLE "case_outcomes" ADD COLUMN "part_resolved" boolean;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "street_id" text;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "community_held" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "street_handled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "reached_top" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "whistle_tier" text;--> statement-breakpoint
ALTER TABLE "ranking_policies" ADD COLUMN "appeal_window" text DEFAULT '5 working days' NOT NULL;--> statement-breakpoint
ALTER TABLE "ranking_policies" ADD COLUMN "overdue_strike_cases" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "responsibility_items" ADD COLUMN "name_en" text;--> statement-breakpoint
ALTER TABLE "responsibility_items" ADD COLUMN "co_department_ids" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "status" text DEFAULT 'effective' NOT NULL;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "appeal_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "appeal_reason" text;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "appealed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "decided_by" text;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "decided_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "decision_note" text;--> statement-breakpoint
ALTER TABLE "units" ADD COLUMN "name_en" text;--> statement-breakpoint
CREATE INDEX "arbitration_rulings_status_idx" ON "arbitration_rulings" USING btree ("status","ruled_at");--> statement-breakpoint
CREATE INDEX "arbitration_rulings_case_idx" ON "arbitration_rulings" USING btree ("case_no");--> statement-breakpoint
CREATE UNIQUE INDEX "process_rules_scope_idx" ON "process_rules" USING btree (coalesce("source", ''),coalesce("category", ''));--> statement-breakpoint
CREATE INDEX "cases_street_received_idx" ON "cases" USING btree ("street_id","received_at");--> statement-breakpoint
CREATE INDEX "cases_category_received_idx" ON "cases" USING btree ("category","received_at");