CREATE TABLE "case_outcomes" (
	"case_no" text NOT NULL,
	"unit_id" text NOT NULL,
	"district_id" text NOT NULL,
	"period" text NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	"role" text NOT NULL,
	"responded" boolean NOT NULL,
	"responded_on_time" boolean NOT NULL,
	"resolved" boolean NOT NULL,
	"resolved_on_time" boolean NOT NULL,
	"escalated_by_timeout" boolean NOT NULL,
	"returned" boolean NOT NULL,
	"reported_in_on_time" boolean,
	"rating" text,
	CONSTRAINT "case_outcomes_case_no_unit_id_pk" PRIMARY KEY("case_no","unit_id")
);
--> statement-breakpoint
CREATE TABLE "investigations" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"sanction_id" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"finding" text
);
--> statement-breakpoint
CREATE TABLE "ranking_policies" (
	"version" integer PRIMARY KEY NOT NULL,
	"weights" jsonb NOT NULL,
	"min_cases" integer NOT NULL,
	"bottom_per_level" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rankings" (
	"period" text NOT NULL,
	"unit_id" text NOT NULL,
	"district_id" text NOT NULL,
	"level" text NOT NULL,
	"performance" jsonb NOT NULL,
	"score" double precision,
	"ranked" boolean NOT NULL,
	"rank" integer,
	"bottom" boolean NOT NULL,
	"policy_version" integer NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rankings_period_unit_id_pk" PRIMARY KEY("period","unit_id")
);
--> statement-breakpoint
CREATE TABLE "sanctions" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"window" integer NOT NULL,
	"number" integer NOT NULL,
	"kind" text NOT NULL,
	"strike_id" text NOT NULL,
	"status" text NOT NULL,
	"scheduled_for" timestamp with time zone,
	"held_at" timestamp with time zone,
	"minutes" text,
	"lifted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Strikes recorded before the accountability ladder carried no window or number (pre-release only).
DELETE FROM "strikes";--> statement-breakpoint
DROP INDEX "strikes_unit_idx";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "routed_level" text;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "period" text;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "window" integer NOT NULL;--> statement-breakpoint
ALTER TABLE "strikes" ADD COLUMN "number" integer NOT NULL;--> statement-breakpoint
CREATE INDEX "case_outcomes_period_idx" ON "case_outcomes" USING btree ("period","district_id");--> statement-breakpoint
CREATE INDEX "rankings_district_idx" ON "rankings" USING btree ("period","district_id","level");--> statement-breakpoint
CREATE INDEX "sanctions_unit_idx" ON "sanctions" USING btree ("unit_id");--> statement-breakpoint
CREATE UNIQUE INDEX "strikes_unit_window_number_idx" ON "strikes" USING btree ("unit_id","window","number");