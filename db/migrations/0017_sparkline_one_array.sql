ALTER TABLE "current_health" ALTER COLUMN "sparkline" SET DEFAULT '{"from":null,"scores":[]}'::jsonb;--> statement-breakpoint
-- Sparklines stored as [day, score] pairs become one array of daily scores from their first day,
-- null for a day without a score (checks/assessment/sparkline.ts).
UPDATE current_health ch SET sparkline = coalesce((
  WITH points AS (SELECT (e->>0)::date AS day, (e->>1)::float8 AS score FROM jsonb_array_elements(ch.sparkline) e)
  SELECT jsonb_build_object('from', to_char(b.lo, 'YYYY-MM-DD'), 'scores', (
    SELECT jsonb_agg(to_jsonb(p.score) ORDER BY g.day)
    FROM generate_series(b.lo, b.hi, interval '1 day') g(day) LEFT JOIN points p ON p.day = g.day::date))
  FROM (SELECT min(day) AS lo, max(day) AS hi FROM points) b WHERE b.lo IS NOT NULL
), '{"from": null, "scores": []}'::jsonb)
WHERE jsonb_typeof(ch.sparkline) = 'array';
