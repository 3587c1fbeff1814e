-- The admins' deal desk (API.md "Deal oversight and statutory compliance"): holds
-- on contracts, contract disputes with their message thread, and the settlement of
-- a disputed payment by a platform admin (confirmed into the ledger, or voided).

-- A hold stops a contract's signatures, royalty reports and payments until an
-- admin releases it; released holds stay as its history. At most one open hold
-- per contract.
CREATE TABLE contract_holds (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contract_id    uuid NOT NULL REFERENCES contracts (id),
    reason         text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 2000),
    held_by        uuid REFERENCES users (id), -- NULL: placed by `techex seed-demo`
    held_at        timestamptz NOT NULL DEFAULT now(),
    release_reason text CHECK (char_length(release_reason) BETWEEN 1 AND 2000),
    released_by    uuid REFERENCES users (id),
    released_at    timestamptz,
    CHECK ((released_at IS NULL) = (release_reason IS NULL)),
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE UNIQUE INDEX contract_holds_open_key ON contract_holds (contract_id)
    WHERE released_at IS NULL;
CREATE INDEX contract_holds_open_idx ON contract_holds (held_at, id) WHERE released_at IS NULL;

-- A dispute about a contract, opened by a member of either party; its thread is
-- dispute_messages (the first message is the opener's). An admin resolves it.
CREATE TABLE disputes (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contract_id       uuid NOT NULL REFERENCES contracts (id),
    opened_by         uuid NOT NULL REFERENCES users (id),
    opened_by_org_id  uuid NOT NULL REFERENCES organizations (id),
    subject           text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
    status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    outcome           text CHECK (outcome IN ('upheld_licensor', 'upheld_licensee', 'settled',
                                              'withdrawn')),
    resolution_reason text CHECK (char_length(resolution_reason) BETWEEN 1 AND 2000),
    resolved_by       uuid REFERENCES users (id),
    resolved_at       timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    version           integer NOT NULL DEFAULT 1,
    CHECK ((status = 'resolved') = (outcome IS NOT NULL)),
    CHECK ((status = 'resolved') = (resolution_reason IS NOT NULL)),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX disputes_contract_idx ON disputes (contract_id, created_at, id);
CREATE INDEX disputes_open_idx ON disputes (created_at, id) WHERE status = 'open';

CREATE TABLE dispute_messages (
    seq            bigserial PRIMARY KEY,
    id             uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    dispute_id     uuid NOT NULL REFERENCES disputes (id),
    author_user_id uuid NOT NULL REFERENCES users (id),
    author_org_id  uuid REFERENCES organizations (id),
    author_role    text NOT NULL CHECK (author_role IN ('licensor', 'licensee', 'platform_admin')),
    body           text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 20000),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dispute_messages_dispute_idx ON dispute_messages (dispute_id, seq);

-- A thread is a record: its messages are never changed or deleted.
CREATE FUNCTION dispute_messages_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'dispute messages are kept: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER dispute_messages_kept
    BEFORE UPDATE OR DELETE ON dispute_messages
    FOR EACH ROW EXECUTE FUNCTION dispute_messages_refuse_change();

-- A disputed payment an admin settles: confirmed (into the ledger, as the
-- licensor's confirm) or voided (no ledger entries), with the admin's reason.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments
    ADD CONSTRAINT payments_status_check
        CHECK (status IN ('reported', 'confirmed', 'disputed', 'reversed', 'voided')),
    ADD COLUMN resolution_reason text CHECK (char_length(resolution_reason) BETWEEN 1 AND 2000),
    ADD CONSTRAINT payments_voided_reason CHECK (status <> 'voided' OR resolution_reason IS NOT NULL);
CREATE INDEX payments_disputed_idx ON payments (decided_at, id) WHERE status = 'disputed';

-- the desk's drafts stuck for 30 days, oldest first
CREATE INDEX contracts_draft_idx ON contracts (created_at, id) WHERE status = 'draft';
