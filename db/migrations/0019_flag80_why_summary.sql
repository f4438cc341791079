-- The stored health summary gained `flagged80Why` (why the ≥ 80 % flag is up). Expiring every
-- current assessment makes the next read re-assess from stored runs (no PostHog call), so the
-- portfolio, the CSV and the API list carry it at once, as the customer page already does.
UPDATE "current_health" SET "valid_until" = '1970-01-01T00:00:00Z';
