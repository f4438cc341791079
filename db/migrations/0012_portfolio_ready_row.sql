CREATE TABLE "portfolio_counts" (
	"band" text NOT NULL,
	"owner_id" integer NOT NULL,
	"flagged" boolean NOT NULL,
	"stale" boolean NOT NULL,
	"moved" boolean NOT NULL,
	"n" integer NOT NULL,
	CONSTRAINT "portfolio_counts_band_owner_id_flagged_stale_moved_pk" PRIMARY KEY("band","owner_id","flagged","stale","moved")
);
--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "change_7d" real;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "change_30d" real;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "change_7d_from" text;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "change_30d_from" text;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "customer_name" text;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "owner_id" integer;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "owner_name" text;--> statement-breakpoint
ALTER TABLE "current_health" ADD COLUMN "archived" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "portfolio_name_idx" ON "current_health" USING btree ("customer_name" collate "und-x-icu","customer_id") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_owner_idx" ON "current_health" USING btree ("owner_name" collate "und-x-icu") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_score_idx" ON "current_health" USING btree ("score") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_band_score_idx" ON "current_health" USING btree ("band","score") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_coverage_idx" ON "current_health" USING btree ("coverage") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_plan_idx" ON "current_health" USING btree ("plan_percent") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_refreshed_idx" ON "current_health" USING btree ("refreshed_at") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_failing_idx" ON "current_health" USING btree ("failing") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_change_7d_idx" ON "current_health" USING btree ("change_7d") WHERE not "current_health"."archived";--> statement-breakpoint
CREATE INDEX "portfolio_change_30d_idx" ON "current_health" USING btree ("change_30d") WHERE not "current_health"."archived";--> statement-breakpoint
-- Written by hand after the generated lines: the ready row carries the customer's name, owner and
-- archived state, so the portfolio reads one table. Triggers keep the copies equal to their source
-- whoever writes customers or users (the web, the CLI, an import). Whoever creates a customer still
-- creates its current row (createCustomer does, through the writer): the copies are filled on insert.
CREATE OR REPLACE FUNCTION current_health_customer_copy() RETURNS trigger AS $$
BEGIN
  SELECT c.name, c.owner_id, u.name, c.archived_at IS NOT NULL
    INTO NEW.customer_name, NEW.owner_id, NEW.owner_name, NEW.archived
    FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE c.id = NEW.customer_id;
  NEW.archived := coalesce(NEW.archived, false);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER current_health_customer_copy BEFORE INSERT ON current_health
  FOR EACH ROW EXECUTE FUNCTION current_health_customer_copy();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION customers_ready_row() RETURNS trigger AS $$
BEGIN
  UPDATE current_health SET customer_name = NEW.name, owner_id = NEW.owner_id,
    owner_name = (SELECT u.name FROM users u WHERE u.id = NEW.owner_id), archived = NEW.archived_at IS NOT NULL
    WHERE customer_id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER customers_ready_row AFTER UPDATE OF name, owner_id, archived_at ON customers
  FOR EACH ROW EXECUTE FUNCTION customers_ready_row();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION users_ready_row() RETURNS trigger AS $$
BEGIN
  UPDATE current_health SET owner_name = NEW.name WHERE owner_id = NEW.id;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER users_ready_row AFTER UPDATE OF name ON users
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION users_ready_row();
--> statement-breakpoint
INSERT INTO current_health (customer_id) SELECT id FROM customers ON CONFLICT (customer_id) DO NOTHING;
--> statement-breakpoint
UPDATE current_health ch SET customer_name = c.name, owner_id = c.owner_id, owner_name = u.name, archived = c.archived_at IS NOT NULL
  FROM customers c LEFT JOIN users u ON u.id = c.owner_id WHERE c.id = ch.customer_id;
--> statement-breakpoint
-- Movers for the assessments already stored; the writer keeps them from here on.
UPDATE current_health ch SET
  change_7d = ch.score - w.score, change_7d_from = CASE WHEN w.scoring_version IS DISTINCT FROM ch.scoring_version THEN w.scoring_version END,
  change_30d = ch.score - m.score, change_30d_from = CASE WHEN m.scoring_version IS DISTINCT FROM ch.scoring_version THEN m.scoring_version END
FROM current_health c2
LEFT JOIN LATERAL (SELECT h.score, h.scoring_version FROM health_scores h WHERE h.customer_id = c2.customer_id
  AND h.computed_at <= c2.scored_at - interval '7 days' ORDER BY h.computed_at DESC, h.id DESC LIMIT 1) w ON true
LEFT JOIN LATERAL (SELECT h.score, h.scoring_version FROM health_scores h WHERE h.customer_id = c2.customer_id
  AND h.computed_at <= c2.scored_at - interval '30 days' ORDER BY h.computed_at DESC, h.id DESC LIMIT 1) m ON true
WHERE c2.customer_id = ch.customer_id AND ch.score IS NOT NULL;
--> statement-breakpoint
-- The band counts, kept by whatever writes current_health. Only rows whose counted key changed
-- touch portfolio_counts (an expiry that rewrites every row nets to nothing), and each statement
-- updates its count rows in one sorted pass, so concurrent writers take their locks in one order.
-- One function, three triggers: a trigger with transition tables may have only one event.
CREATE OR REPLACE FUNCTION portfolio_counts_apply() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO portfolio_counts AS pc (band, owner_id, flagged, stale, moved, n)
    SELECT coalesce(band, 'none'), coalesce(owner_id, 0), flagged_80, stale, coalesce(abs(change_7d) >= 5, false), count(*)::int
      FROM new_rows WHERE NOT archived GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (band, owner_id, flagged, stale, moved) DO UPDATE SET n = pc.n + excluded.n;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO portfolio_counts AS pc (band, owner_id, flagged, stale, moved, n)
    SELECT coalesce(band, 'none'), coalesce(owner_id, 0), flagged_80, stale, coalesce(abs(change_7d) >= 5, false), -count(*)::int
      FROM old_rows WHERE NOT archived GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (band, owner_id, flagged, stale, moved) DO UPDATE SET n = pc.n + excluded.n;
  ELSE
    INSERT INTO portfolio_counts AS pc (band, owner_id, flagged, stale, moved, n)
    SELECT k.band, k.owner_id, k.flagged, k.stale, k.moved, sum(k.d)::int FROM (
      SELECT coalesce(band, 'none') AS band, coalesce(owner_id, 0) AS owner_id, flagged_80 AS flagged, stale,
        coalesce(abs(change_7d) >= 5, false) AS moved, 1 AS d FROM new_rows WHERE NOT archived
      UNION ALL
      SELECT coalesce(band, 'none'), coalesce(owner_id, 0), flagged_80, stale, coalesce(abs(change_7d) >= 5, false), -1
        FROM old_rows WHERE NOT archived
    ) k GROUP BY 1, 2, 3, 4, 5 HAVING sum(k.d) <> 0 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (band, owner_id, flagged, stale, moved) DO UPDATE SET n = pc.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER portfolio_counts_insert AFTER INSERT ON current_health REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION portfolio_counts_apply();
--> statement-breakpoint
CREATE TRIGGER portfolio_counts_update AFTER UPDATE ON current_health REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION portfolio_counts_apply();
--> statement-breakpoint
CREATE TRIGGER portfolio_counts_delete AFTER DELETE ON current_health REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION portfolio_counts_apply();
--> statement-breakpoint
INSERT INTO portfolio_counts (band, owner_id, flagged, stale, moved, n)
SELECT coalesce(band, 'none'), coalesce(owner_id, 0), flagged_80, stale, coalesce(abs(change_7d) >= 5, false), count(*)::int
  FROM current_health WHERE NOT archived GROUP BY 1, 2, 3, 4, 5;
