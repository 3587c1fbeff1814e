-- Events (API.md "Notifications and webhooks"): every state change that
-- concerns an organization, or one person, is recorded here in the same
-- transaction as the change (a transactional outbox). The inbox, webhooks
-- and their deliveries read from it. `data` holds ids and key fields, never
-- whole objects. Kept at least 90 days.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type       text NOT NULL CHECK (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
    org_id     uuid REFERENCES organizations (id),
    user_id    uuid REFERENCES users (id),
    data       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (org_id IS NOT NULL OR user_id IS NOT NULL)
);
CREATE INDEX events_org_idx ON events (org_id, id) WHERE org_id IS NOT NULL;
CREATE INDEX events_user_idx ON events (user_id, id) WHERE user_id IS NOT NULL;
CREATE INDEX events_created_idx ON events (created_at);
