-- Negotiation both ways, conversations on listings, attachments (API.md
-- "Negotiation, conversations, attachments").

-- Negotiation. A bid's amount_fen and terms are always the offer on the
-- table: `open` when it is the bidder's (its first offer or a counter of its
-- own), `countered` when it is the owner's. Each offer and counter line of
-- bid_events keeps the terms it put on the table.
ALTER TABLE bid_events ADD COLUMN terms jsonb
    CHECK (terms IS NULL OR jsonb_typeof(terms) = 'object');
UPDATE bid_events e SET terms = jsonb_build_object('royalty_bp', b.royalty_bp,
        'term_months', b.term_months, 'territory', b.territory,
        'field_of_use', b.field_of_use)
    FROM bids b WHERE b.id = e.bid_id AND e.kind IN ('offer', 'counter');
-- a live countered bid's offer on the table is the owner's counter
UPDATE bids SET amount_fen = counter_amount_fen
    WHERE status = 'countered' AND counter_amount_fen IS NOT NULL;

-- Conversations: one per (listing, interested organization); opening it again
-- adds the message to the same conversation.
CREATE TABLE conversations (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_id   uuid NOT NULL REFERENCES listings (id),
    org_id       uuid NOT NULL REFERENCES organizations (id), -- the interested one
    owner_org_id uuid NOT NULL REFERENCES organizations (id), -- the listing's
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    version      integer NOT NULL DEFAULT 1,
    UNIQUE (listing_id, org_id),
    CHECK (org_id <> owner_org_id)
);
CREATE INDEX conversations_org_idx ON conversations (org_id, updated_at DESC, id);
CREATE INDEX conversations_owner_idx ON conversations (owner_org_id, updated_at DESC, id);

CREATE TABLE conversation_messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id uuid NOT NULL REFERENCES conversations (id),
    org_id          uuid NOT NULL REFERENCES organizations (id),
    user_id         uuid NOT NULL REFERENCES users (id),
    body            text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_messages_idx ON conversation_messages (conversation_id, id);

-- Attachments: the bytes in PostgreSQL (so backups, replicas and failover
-- carry them like every other row), stored uncompressed out of line (PDF,
-- PNG and JPEG are compressed already). Lists never read `data`.
CREATE TABLE attachments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_type   text NOT NULL CHECK (parent_type IN ('listing', 'org', 'contract')),
    parent_id     uuid NOT NULL,
    listing_id    uuid REFERENCES listings (id),
    org_id        uuid REFERENCES organizations (id),
    contract_id   uuid REFERENCES contracts (id),
    uploader_org_id uuid NOT NULL REFERENCES organizations (id),
    uploaded_by   uuid NOT NULL REFERENCES users (id),
    filename      text NOT NULL CHECK (char_length(filename) BETWEEN 1 AND 255
                                       AND filename !~ '[/\\[:cntrl:]]'),
    content_type  text NOT NULL CHECK (content_type IN ('application/pdf', 'image/png',
                                                        'image/jpeg')),
    visibility    text NOT NULL CHECK (visibility IN ('public', 'verified_orgs', 'org',
                                                      'parties')),
    size          bigint NOT NULL CHECK (size BETWEEN 1 AND 10485760),
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    data          bytea NOT NULL CHECK (octet_length(data) = size),
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id = coalesce(listing_id, org_id, contract_id)),
    CHECK ((parent_type = 'listing') = (listing_id IS NOT NULL)
       AND (parent_type = 'org') = (org_id IS NOT NULL)
       AND (parent_type = 'contract') = (contract_id IS NOT NULL)),
    CHECK ((parent_type = 'listing' AND visibility IN ('public', 'verified_orgs'))
        OR (parent_type = 'org' AND visibility = 'org')
        OR (parent_type = 'contract' AND visibility = 'parties'))
);
ALTER TABLE attachments ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE INDEX attachments_parent_idx ON attachments (parent_id, created_at, id);
CREATE INDEX attachments_uploader_idx ON attachments (uploader_org_id);

-- What one organization may store in attachments, in bytes (200 MiB).
ALTER TABLE organizations ADD COLUMN attachment_quota_bytes bigint NOT NULL
    DEFAULT 209715200 CHECK (attachment_quota_bytes >= 0);

-- A signed contract's attachments stay: the signed scans are its record.
CREATE FUNCTION attachments_keep_signed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.contract_id IS NOT NULL AND EXISTS (SELECT 1 FROM contract_signatures s
                                               WHERE s.contract_id = OLD.contract_id) THEN
        RAISE EXCEPTION 'attachment % belongs to a signed contract', OLD.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER attachments_keep_signed BEFORE DELETE ON attachments
    FOR EACH ROW EXECUTE FUNCTION attachments_keep_signed();
