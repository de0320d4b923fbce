CREATE TABLE "simulations" (
	"id" text PRIMARY KEY NOT NULL,
	"district_id" text NOT NULL,
	"created_by" text NOT NULL,
	"request" jsonb NOT NULL,
	"report" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "simulations_district_idx" ON "simulations" USING btree ("district_id","created_at");