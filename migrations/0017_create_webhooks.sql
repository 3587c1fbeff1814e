-- Webhooks (API.md "Notifications and webhooks", Standard Webhooks 1.0) and the
-- inbox's read marks. An event that concerns an organization with an enabled
-- webhook subscribed to its type gets one delivery row per webhook in the same
-- transaction as the event (events_record's fan-out); the courier's "webhooks"
-- task claims due deliveries (FOR UPDATE SKIP LOCKED plus a lease, so two servers
-- never send one at once and a crashed sender's lease runs out), sends them and
-- logs every attempt.
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id          uuid NOT NULL REFERENCES organizations (id),
    url             text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events          text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 50),
    -- the signing secret's 32 bytes, AES-256-GCM with a key derived from
    -- TECHEX_SECRET_KEY: nonce (12) || ciphertext (32) || tag (16)
    secret_enc      bytea NOT NULL CHECK (length(secret_enc) = 60),
    enabled         boolean NOT NULL DEFAULT true,
    disabled_reason text,
    created_by      uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhooks_org_idx ON webhooks (org_id, created_at, id);
-- what the fan-out probes for every event: cheap when the org has none
CREATE INDEX webhooks_enabled_idx ON webhooks (org_id) WHERE enabled;

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    webhook_id       uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  timestamptz DEFAULT now(),
    lease_until      timestamptz,
    last_status_code integer,
    last_error       text,
    last_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

-- the delivery log: one row per attempt
CREATE TABLE webhook_attempts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id     uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         integer NOT NULL CHECK (attempt >= 1),
    status_code     integer,
    error           text,
    duration_ms     integer NOT NULL DEFAULT 0,
    at              timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, attempt);

-- the inbox: each user's read mark, an event id (everything at or below it is read)
CREATE TABLE notification_reads (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    up_to      bigint NOT NULL CHECK (up_to >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- a notice that closed clean (its window passed, no objection pending or upheld)
-- is announced once, by the courier's sweep: this marks that it was
ALTER TABLE notices ADD COLUMN closed_announced boolean NOT NULL DEFAULT false;
