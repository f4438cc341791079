ALTER TABLE "current_health" ADD COLUMN "score" real;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "band" text;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "coverage" real;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "failing" integer;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "unknown" integer;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "plan_percent" real;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "projected_percent" real;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "flagged_80" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "scored_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "refreshed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "run_status" text;--> statement-breakpoint
-- Written by hand after the generated lines: keeps the copied columns equal to what the score and
-- run pointers point at, whoever moves a pointer (refresh, answer, override, rescoring).
CREATE OR REPLACE FUNCTION current_health_copy() RETURNS trigger AS $$
BEGIN
  SELECT hs.score, hs.band, hs.coverage, hs.failing, hs.unknown, hs.plan_percent, hs.projected_percent, hs.flagged_80, hs.computed_at
    INTO NEW.score, NEW.band, NEW.coverage, NEW.failing, NEW.unknown, NEW.plan_percent, NEW.projected_percent, NEW.flagged_80, NEW.scored_at
    FROM health_scores hs WHERE hs.id = NEW.score_id;
  NEW.flagged_80 := coalesce(NEW.flagged_80, false);
  SELECT r.finished_at, r.status INTO NEW.refreshed_at, NEW.run_status FROM check_runs r WHERE r.id = NEW.run_id;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER current_health_copy BEFORE INSERT OR UPDATE OF score_id, run_id ON current_health
  FOR EACH ROW EXECUTE FUNCTION current_health_copy();
--> statement-breakpoint
UPDATE current_health SET score_id = score_id;
