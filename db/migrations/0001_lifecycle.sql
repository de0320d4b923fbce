CREATE TABLE "calendar_years" (
	"year" integer PRIMARY KEY NOT NULL,
	"holidays" jsonb NOT NULL,
	"workdays" jsonb NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"case_no" text,
	"unit_ids" jsonb NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "process_definitions" (
	"key" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"format" text NOT NULL,
	"source" text,
	"definition" jsonb NOT NULL,
	"deployed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "process_definitions_key_version_pk" PRIMARY KEY("key","version")
);
--> statement-breakpoint
CREATE TABLE "strikes" (
	"id" text PRIMARY KEY NOT NULL,
	"unit_id" text NOT NULL,
	"source" text NOT NULL,
	"case_no" text,
	"at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "notifications_case_idx" ON "notifications" USING btree ("case_no");--> statement-breakpoint
CREATE INDEX "strikes_unit_idx" ON "strikes" USING btree ("unit_id","at");