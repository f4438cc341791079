-- The stored health summary gained `problem` (the last refresh's failure in one sentence).
-- Expiring every current assessment makes the next read re-assess from stored runs (no
-- PostHog call), so summaries written before this release carry it too.
UPDATE "current_health" SET "valid_until" = '1970-01-01T00:00:00Z';
