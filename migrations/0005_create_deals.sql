-- Deals: bids with their negotiation history, and the contracts they lead to.

-- A bid's status as clients see it: a live bid past its expires_at is expired,
-- whether or not a writer has stored that yet.
CREATE FUNCTION bid_effective_status(status text, expires_at timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status IN ('open', 'countered') AND expires_at <= now()
                THEN 'expired' ELSE status END
$$;

CREATE TABLE bids (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_id         uuid NOT NULL REFERENCES listings (id),
    owner_org_id       uuid NOT NULL REFERENCES organizations (id), -- the listing's
    bidder_org_id      uuid NOT NULL REFERENCES organizations (id),
    created_by         uuid NOT NULL REFERENCES users (id),
    amount_fen         bigint NOT NULL CHECK (amount_fen >= 0),
    currency           text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    transaction_mode   text NOT NULL CHECK (transaction_mode IN (
                           'assignment', 'exclusive_license', 'sole_license',
                           'non_exclusive_license')),
    message            text NOT NULL DEFAULT '' CHECK (char_length(message) <= 2000),
    royalty_bp         integer CHECK (royalty_bp BETWEEN 0 AND 10000),
    term_months        integer CHECK (term_months BETWEEN 1 AND 600),
    territory          text CHECK (char_length(territory) <= 200),
    field_of_use       text CHECK (char_length(field_of_use) <= 500),
    status             text NOT NULL DEFAULT 'open' CHECK (status IN (
                           'open', 'countered', 'accepted', 'rejected', 'withdrawn',
                           'expired', 'closed')),
    counter_amount_fen bigint CHECK (counter_amount_fen >= 0),
    counter_message    text CHECK (char_length(counter_message) <= 2000),
    counters           integer NOT NULL DEFAULT 0,
    express            boolean NOT NULL DEFAULT false,
    expires_at         timestamptz,
    decided_at         timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    CHECK (bidder_org_id <> owner_org_id),
    CHECK (status <> 'countered' OR counter_amount_fen IS NOT NULL)
);
CREATE INDEX bids_listing_idx ON bids (listing_id, created_at DESC, id DESC);
CREATE INDEX bids_bidder_idx ON bids (bidder_org_id, created_at DESC, id DESC);
CREATE INDEX bids_owner_idx ON bids (owner_org_id, created_at DESC, id DESC);
CREATE INDEX bids_live_idx ON bids (listing_id, amount_fen DESC)
    WHERE status IN ('open', 'countered');

-- Every offer, counter and decision on a bid, readable by both sides.
CREATE TABLE bid_events (
    id            bigserial PRIMARY KEY,
    bid_id        uuid NOT NULL REFERENCES bids (id),
    kind          text NOT NULL CHECK (kind IN (
                      'offer', 'counter', 'accept', 'reject', 'withdraw', 'close', 'expire')),
    actor_org_id  uuid REFERENCES organizations (id),
    actor_user_id uuid REFERENCES users (id),
    amount_fen    bigint,
    message       text,
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bid_events_bid_idx ON bid_events (bid_id, id);

CREATE TABLE contracts (
    id                         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    listing_id                 uuid NOT NULL REFERENCES listings (id),
    bid_id                     uuid NOT NULL UNIQUE REFERENCES bids (id),
    licensor_org_id            uuid NOT NULL REFERENCES organizations (id),
    licensee_org_id            uuid NOT NULL REFERENCES organizations (id),
    transaction_mode           text NOT NULL CHECK (transaction_mode IN (
                                   'assignment', 'exclusive_license', 'sole_license',
                                   'non_exclusive_license')),
    status                     text NOT NULL DEFAULT 'draft' CHECK (status IN (
                                   'draft', 'signed_by_licensor', 'signed_by_licensee',
                                   'active', 'terminated')),
    currency                   text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    upfront_fee_fen            bigint NOT NULL CHECK (upfront_fee_fen >= 0),
    royalty_bp                 integer NOT NULL DEFAULT 0 CHECK (royalty_bp BETWEEN 0 AND 10000),
    minimum_annual_royalty_fen bigint NOT NULL DEFAULT 0 CHECK (minimum_annual_royalty_fen >= 0),
    term_start                 date,
    term_end                   date CHECK (term_end >= term_start),
    territory                  text CHECK (char_length(territory) <= 200),
    field_of_use               text CHECK (char_length(field_of_use) <= 500),
    -- [{beneficiary, role, share_bp}] in plan order; shares sum to 10000
    revenue_share              jsonb NOT NULL CHECK (jsonb_typeof(revenue_share) = 'array'
                                                     AND jsonb_array_length(revenue_share) > 0),
    -- SHA-256 (hex) of the canonical JSON of terms and revenue_share
    digest                     text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    activated_at               timestamptz,
    terminated_at              timestamptz,
    terminated_by              uuid REFERENCES users (id),
    termination_reason         text,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    updated_at                 timestamptz NOT NULL DEFAULT now(),
    version                    integer NOT NULL DEFAULT 1,
    CHECK (licensor_org_id <> licensee_org_id),
    CHECK ((status = 'terminated') = (terminated_at IS NOT NULL)),
    CHECK ((status = 'active') <= (activated_at IS NOT NULL))
);
CREATE INDEX contracts_licensor_idx ON contracts (licensor_org_id, created_at DESC, id DESC);
CREATE INDEX contracts_licensee_idx ON contracts (licensee_org_id, created_at DESC, id DESC);
CREATE INDEX contracts_newest_idx ON contracts (created_at DESC, id DESC);
CREATE INDEX contracts_listing_idx ON contracts (listing_id);
-- One exclusive deal (assignment, exclusive or sole licence) per listing at a time.
CREATE UNIQUE INDEX contracts_one_exclusive_idx ON contracts (listing_id)
    WHERE status <> 'terminated'
      AND transaction_mode IN ('assignment', 'exclusive_license', 'sole_license');

CREATE TABLE contract_signatures (
    contract_id uuid NOT NULL REFERENCES contracts (id),
    org_id      uuid NOT NULL REFERENCES organizations (id),
    user_id     uuid NOT NULL REFERENCES users (id),
    party       text NOT NULL CHECK (party IN ('licensor', 'licensee')),
    digest      text NOT NULL CHECK (digest ~ '^[0-9a-f]{64}$'),
    signed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contract_id, org_id),
    UNIQUE (contract_id, party)
);

-- The database, not only the application, keeps a signed contract as signed:
-- parties never change, and from the first signature neither terms, plan nor
-- digest do. Nothing here is ever deleted.
CREATE FUNCTION contracts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'contracts are kept: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.listing_id, NEW.bid_id, NEW.licensor_org_id, NEW.licensee_org_id,
        NEW.transaction_mode, NEW.currency, NEW.created_at)
       IS DISTINCT FROM
       (OLD.listing_id, OLD.bid_id, OLD.licensor_org_id, OLD.licensee_org_id,
        OLD.transaction_mode, OLD.currency, OLD.created_at) THEN
        RAISE EXCEPTION 'the parties and the deal of contract % cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'terminated' THEN
        RAISE EXCEPTION 'contract % is terminated and cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.upfront_fee_fen, NEW.royalty_bp, NEW.minimum_annual_royalty_fen, NEW.term_start,
        NEW.term_end, NEW.territory, NEW.field_of_use, NEW.revenue_share, NEW.digest)
       IS DISTINCT FROM
       (OLD.upfront_fee_fen, OLD.royalty_bp, OLD.minimum_annual_royalty_fen, OLD.term_start,
        OLD.term_end, OLD.territory, OLD.field_of_use, OLD.revenue_share, OLD.digest)
       AND (OLD.status <> 'draft'
            OR EXISTS (SELECT 1 FROM contract_signatures s WHERE s.contract_id = OLD.id)) THEN
        RAISE EXCEPTION 'contract % is signed: its terms and revenue share cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contracts_guard BEFORE UPDATE OR DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_guard();
CREATE TRIGGER contracts_no_truncate BEFORE TRUNCATE ON contracts
    FOR EACH STATEMENT EXECUTE FUNCTION contracts_guard();

-- A signature is on the contract's current digest, and stays.
CREATE FUNCTION contract_signatures_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        RAISE EXCEPTION 'signatures are kept: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    -- FOR SHARE: a concurrent change of terms waits for this signature, or this
    -- signature for it, and then sees the digest it left
    IF NOT EXISTS (SELECT 1 FROM contracts c WHERE c.id = NEW.contract_id
                   AND c.digest = NEW.digest AND c.status <> 'terminated'
                   AND NEW.org_id = CASE NEW.party WHEN 'licensor' THEN c.licensor_org_id
                                                  ELSE c.licensee_org_id END
                   FOR SHARE) THEN
        RAISE EXCEPTION 'a signature must be a party''s, on the current digest of a live contract'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contract_signatures_guard BEFORE INSERT OR UPDATE OR DELETE ON contract_signatures
    FOR EACH ROW EXECUTE FUNCTION contract_signatures_guard();
CREATE TRIGGER contract_signatures_no_truncate BEFORE TRUNCATE ON contract_signatures
    FOR EACH STATEMENT EXECUTE FUNCTION contract_signatures_guard();
