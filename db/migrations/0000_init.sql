CREATE TABLE "case_timeline" (
	"workflow_id" text NOT NULL,
	"seq" integer NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"action" text NOT NULL,
	"actor_role" text NOT NULL,
	"actor_id" text,
	"actor_unit_id" text,
	"reason" text,
	"from_unit_id" text,
	"to_unit_id" text,
	"from_level" text,
	"to_level" text,
	"detail" jsonb,
	CONSTRAINT "case_timeline_workflow_id_seq_pk" PRIMARY KEY("workflow_id","seq")
);
--> statement-breakpoint
CREATE TABLE "cases" (
	"case_no" text PRIMARY KEY NOT NULL,
	"workflow_id" text NOT NULL,
	"source" text NOT NULL,
	"ticket_id" text NOT NULL,
	"title" text NOT NULL,
	"category" text NOT NULL,
	"urgency" text NOT NULL,
	"status" text NOT NULL,
	"level" text,
	"unit_id" text,
	"step" text,
	"deadline" timestamp with time zone,
	"warning" boolean DEFAULT false NOT NULL,
	"overdue" boolean DEFAULT false NOT NULL,
	"overdue_at_top" boolean DEFAULT false NOT NULL,
	"escalations" integer DEFAULT 0 NOT NULL,
	"rating" text,
	"citizen_name" text,
	"citizen_phone" text,
	"description" text,
	"seq" integer NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"step_since" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_workflow_id_unique" UNIQUE("workflow_id")
);
--> statement-breakpoint
CREATE TABLE "responsibility_items" (
	"list_version" integer NOT NULL,
	"category" text NOT NULL,
	"name" text NOT NULL,
	"level" text NOT NULL,
	"department_id" text,
	CONSTRAINT "responsibility_items_list_version_category_pk" PRIMARY KEY("list_version","category")
);
--> statement-breakpoint
CREATE TABLE "responsibility_lists" (
	"version" integer PRIMARY KEY NOT NULL,
	"note" text NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "units" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"level" text NOT NULL,
	"kind" text NOT NULL,
	"parent_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "responsibility_items" ADD CONSTRAINT "responsibility_items_list_version_responsibility_lists_version_fk" FOREIGN KEY ("list_version") REFERENCES "public"."responsibility_lists"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "responsibility_items" ADD CONSTRAINT "responsibility_items_department_id_units_id_fk" FOREIGN KEY ("department_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "units" ADD CONSTRAINT "units_parent_id_units_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cases_status_deadline_idx" ON "cases" USING btree ("status","deadline");--> statement-breakpoint
CREATE INDEX "cases_unit_status_idx" ON "cases" USING btree ("unit_id","status");--> statement-breakpoint
CREATE INDEX "cases_received_idx" ON "cases" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "units_parent_idx" ON "units" USING btree ("parent_id");