-- A replayed response carries the headers that describe what was created
-- (ETag, Location), not only the status and body.
ALTER TABLE idempotency_keys ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb;
