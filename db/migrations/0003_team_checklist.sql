CREATE TABLE "custom_checks" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"section" text NOT NULL,
	"question" text NOT NULL,
	"plan_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"event" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone,
	"retired_by" text,
	CONSTRAINT "custom_checks_id_check" CHECK ("custom_checks"."id" ~ '^custom\.[a-z0-9_]{1,48}$'),
	CONSTRAINT "custom_checks_kind_check" CHECK ("custom_checks"."kind" in ('manual', 'event')),
	CONSTRAINT "custom_checks_event_check" CHECK (("custom_checks"."kind" = 'event') = ("custom_checks"."event" is not null))
);
--> statement-breakpoint
CREATE TABLE "scoring_versions" (
	"number" integer PRIMARY KEY NOT NULL,
	"weights" jsonb NOT NULL,
	"bands" jsonb NOT NULL,
	"changed" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "scoring_versions_number_check" CHECK ("scoring_versions"."number" >= 2)
);
--> statement-breakpoint
CREATE TABLE "team_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"extras" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"min_sdk_versions" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "team_settings_single_row" CHECK ("team_settings"."id" = 1)
);
