CREATE TABLE "posthog_budget_slots" (
	"key_hash" text NOT NULL,
	"budget" text NOT NULL,
	"slot" bigint NOT NULL,
	"used" integer NOT NULL,
	CONSTRAINT "posthog_budget_slots_key_hash_budget_slot_pk" PRIMARY KEY("key_hash","budget","slot")
);
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "posthog_org_id" text;