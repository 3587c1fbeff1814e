-- Revenue: royalty reports, payments, and the append-only, hash-chained ledger
-- that splits each confirmed payment among the contract's beneficiaries.

-- btree_gist lets one exclusion constraint say "no two reports of a contract
-- cover the same day" (a trusted extension: the database owner may create it).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE royalty_reports (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contract_id           uuid NOT NULL REFERENCES contracts (id),
    reported_by           uuid NOT NULL REFERENCES users (id),
    period_start          date NOT NULL,
    period_end            date NOT NULL CHECK (period_end >= period_start),
    gross_sales_fen       bigint NOT NULL CHECK (gross_sales_fen BETWEEN 0 AND 1000000000000000),
    royalty_bp            integer NOT NULL CHECK (royalty_bp BETWEEN 0 AND 10000),
    royalty_due_fen       bigint NOT NULL CHECK (royalty_due_fen >= 0),
    waste_utilized_tonnes bigint NOT NULL CHECK (waste_utilized_tonnes >= 0),
    currency              text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    created_at            timestamptz NOT NULL DEFAULT now(),
    EXCLUDE USING gist (contract_id WITH =,
                        daterange(period_start, period_end, '[]') WITH &&)
);
CREATE INDEX royalty_reports_contract_idx ON royalty_reports (contract_id, period_start);

CREATE TABLE payments (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contract_id    uuid NOT NULL REFERENCES contracts (id),
    payer_org_id   uuid NOT NULL REFERENCES organizations (id), -- the licensee
    payee_org_id   uuid NOT NULL REFERENCES organizations (id), -- the licensor
    recorded_by    uuid NOT NULL REFERENCES users (id),
    kind           text NOT NULL CHECK (kind IN ('upfront', 'royalty', 'milestone')),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    currency       text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    paid_at        timestamptz NOT NULL,
    reference      text NOT NULL CHECK (char_length(reference) BETWEEN 1 AND 200),
    status         text NOT NULL DEFAULT 'reported'
                   CHECK (status IN ('reported', 'confirmed', 'disputed', 'reversed')),
    dispute_reason text,
    reversal_reason text,
    decided_by     uuid REFERENCES users (id),
    decided_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    version        integer NOT NULL DEFAULT 1,
    CHECK (payer_org_id <> payee_org_id),
    CHECK ((status = 'reported') = (decided_at IS NULL)),
    CHECK ((status = 'disputed') = (dispute_reason IS NOT NULL)),
    CHECK ((status = 'reversed') = (reversal_reason IS NOT NULL))
);
CREATE INDEX payments_contract_idx ON payments (contract_id, created_at, id);
CREATE INDEX payments_payer_idx ON payments (payer_org_id, paid_at, id);
CREATE INDEX payments_payee_idx ON payments (payee_org_id, paid_at, id);

-- One row per beneficiary per confirmed payment, chained per contract; a
-- reversed payment gets one more row per beneficiary with the amount negated:
-- hash = SHA-256(prev_hash || "\n" || the canonical JSON of the entry's other
-- fields), prev_hash of a contract's first entry is 64 zeros. See
-- api-spec/openapi.yaml (LedgerEntry) for the exact form.
CREATE TABLE ledger_entries (
    contract_id uuid NOT NULL REFERENCES contracts (id),
    seq         integer NOT NULL CHECK (seq >= 1),
    payment_id  uuid NOT NULL REFERENCES payments (id),
    beneficiary text NOT NULL,
    role        text NOT NULL CHECK (role IN ('institution', 'inventor', 'platform', 'other')),
    share_bp    integer NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
    amount_fen  bigint NOT NULL,
    currency    text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    created_at  timestamptz NOT NULL,
    prev_hash   text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (contract_id, seq)
);
CREATE INDEX ledger_entries_payment_idx ON ledger_entries (payment_id);

CREATE FUNCTION ledger_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % refused; record a reversing entry instead', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_refuse_change();
-- and the role that owns the tables does not even hold the privileges
REVOKE UPDATE, DELETE, TRUNCATE ON ledger_entries FROM CURRENT_USER, PUBLIC;
