ALTER TABLE "customers" DROP CONSTRAINT "customers_billing_day_check";--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "revision" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "valid_until" timestamp with time zone DEFAULT '1970-01-01T00:00:00Z' NOT NULL;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "state" jsonb;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "summary" jsonb;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "stale" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "scoring_version" text;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "sparkline" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE INDEX "current_health_valid_until_idx" ON "current_health" USING btree ("valid_until");--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_billing_day_check" CHECK ("customers"."billing_day" between 1 and 31);--> statement-breakpoint
-- Written by hand after the generated lines. The assessment writer now fills every copied column
-- itself (one writer), so the trigger that copied them from the pointers goes.
DROP TRIGGER IF EXISTS current_health_copy ON current_health;--> statement-breakpoint
DROP FUNCTION IF EXISTS current_health_copy();--> statement-breakpoint
-- Every customer gets a row, expired, so the first reader (or the scheduler) assesses it from the
-- stored results; readers then only look for expired rows instead of for missing ones.
INSERT INTO current_health (customer_id, valid_until) SELECT id, '1970-01-01T00:00:00Z' FROM customers ON CONFLICT (customer_id) DO NOTHING;--> statement-breakpoint
UPDATE current_health SET valid_until = '1970-01-01T00:00:00Z';
--> statement-breakpoint
-- The 90-day sparkline the writer now keeps on each row starts from the stored history.
UPDATE current_health ch SET sparkline = coalesce((
  SELECT jsonb_agg(jsonb_build_array(d.day, d.score) ORDER BY d.day) FROM (
    SELECT DISTINCT ON (day) to_char(h.computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, round(h.score::numeric, 1)::float8 AS score
    FROM health_scores h WHERE h.customer_id = ch.customer_id AND h.computed_at >= now() - interval '90 days'
    ORDER BY day, h.computed_at DESC, h.id DESC) d
  WHERE d.score IS NOT NULL), '[]'::jsonb);
