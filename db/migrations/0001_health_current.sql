CREATE TABLE "current_health" (
	"customer_id" integer PRIMARY KEY NOT NULL,
	"score_id" integer,
	"run_id" integer,
	"results_run_id" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "timezone" text DEFAULT 'UTC' NOT NULL;--> statement-breakpoint
ALTER TABLE "health_scores" ADD COLUMN "unknown" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "health_scores" ADD COLUMN "period_events" bigint;--> statement-breakpoint
ALTER TABLE "health_scores" ADD COLUMN "plan_percent" real;--> statement-breakpoint
ALTER TABLE "health_scores" ADD COLUMN "projected_percent" real;--> statement-breakpoint
ALTER TABLE "health_scores" ADD COLUMN "flagged_80" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "current_health" ADD CONSTRAINT "current_health_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "current_health" ADD CONSTRAINT "current_health_score_id_health_scores_id_fk" FOREIGN KEY ("score_id") REFERENCES "public"."health_scores"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "current_health" ADD CONSTRAINT "current_health_run_id_check_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."check_runs"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "current_health" ADD CONSTRAINT "current_health_results_run_id_check_runs_id_fk" FOREIGN KEY ("results_run_id") REFERENCES "public"."check_runs"("id") ON DELETE set null ON UPDATE no action;