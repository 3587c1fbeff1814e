-- Public notice of agreed prices (协议定价公示): 促进科技成果转化法 art. 18,
-- 山东省促进科技成果转化条例 art. 14. A government-established licensor that agreed a price publishes
-- the deal for at least 15 days with an objection procedure before it may sign; anyone
-- may object inside the window; the licensor (or a platform admin) decides each
-- objection and the decision is public; an upheld objection voids the deal.

-- Whether a contract needs a notice is decided once, when it is drafted, and kept
-- (a later change of the licensor's government_established does not change it).
ALTER TABLE contracts ADD COLUMN needs_notice boolean NOT NULL DEFAULT false;

-- The rule, for the contract drafted from bid bid_id at price price_fen: the licensor
-- is government_established AND the price was agreed, that is, neither
--   - an auction's (the listing's pricing_mode is 'auction'), nor
--   - a fixed price taken as listed: the listing's pricing_mode is 'fixed' and the
--     accepted price is at least its asking_price_fen (an express licence, taken at
--     once by bids.c when a non-exclusive offer meets the fixed price, is one case;
--     an exclusive offer at the fixed price that the owner accepts is another).
-- Everything else (a negotiable listing, or a fixed-price listing sold below its price
-- after an offer or a counter) was priced by agreement and needs a notice.
CREATE FUNCTION contract_needs_notice(bid_id uuid, price_fen bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT lo.government_established
           AND l.pricing_mode <> 'auction'
           AND NOT (b.express OR (l.pricing_mode = 'fixed' AND l.asking_price_fen IS NOT NULL
                                  AND price_fen >= l.asking_price_fen))
    FROM bids b JOIN listings l ON l.id = b.listing_id
    JOIN organizations lo ON lo.id = b.owner_org_id
    WHERE b.id = bid_id
$$;

-- The root of an organization's family (parent_id), at most 16 levels up.
CREATE FUNCTION org_family_root(org uuid) RETURNS uuid LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT o.id, o.parent_id, 0 FROM organizations o WHERE o.id = org
        UNION ALL
        SELECT o.id, o.parent_id, up.depth + 1 FROM organizations o JOIN up ON o.id = up.parent_id
        WHERE up.depth < 16)
    SELECT id FROM up ORDER BY depth DESC LIMIT 1
$$;

CREATE TABLE notices (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    contract_id          uuid NOT NULL REFERENCES contracts (id),
    licensor_org_id      uuid NOT NULL REFERENCES organizations (id),
    -- stored: open, then closed_upheld (an objection was upheld) or withdrawn (the
    -- contract was terminated while the notice ran); closed_clean is computed
    -- (notice_effective_status) and never has to be written
    status               text NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'closed_clean', 'closed_upheld', 'withdrawn')),
    days                 integer NOT NULL CHECK (days BETWEEN 15 AND 90),
    objection_procedure  text NOT NULL CHECK (char_length(objection_procedure) BETWEEN 1 AND 4000),
    -- what was published, as it was then: {id, title}, {id, name}, {id, name},
    -- {upfront_fee_fen, royalty_bp, minimum_annual_royalty_fen}
    listing              jsonb NOT NULL,
    licensor             jsonb NOT NULL,
    licensee             jsonb NOT NULL,
    transaction_mode     text NOT NULL,
    price                jsonb NOT NULL,
    related_party        boolean NOT NULL,
    opens_at             timestamptz NOT NULL DEFAULT now(),
    closes_at            timestamptz NOT NULL,
    closed_at            timestamptz,
    created_by           uuid NOT NULL REFERENCES users (id),
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- closes_at = opens_at + days when published; no CHECK ties them, so that an
    -- operator (or a test) may move the window's end by hand
    version              integer NOT NULL DEFAULT 1
);
CREATE INDEX notices_contract_idx ON notices (contract_id, opens_at DESC, id DESC);
CREATE INDEX notices_newest_idx ON notices (opens_at DESC, id DESC);
-- at most one notice of a contract is running at a time
CREATE UNIQUE INDEX notices_one_open_idx ON notices (contract_id) WHERE status = 'open';

CREATE TABLE notice_objections (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    notice_id       uuid NOT NULL REFERENCES notices (id),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'upheld', 'dismissed')),
    filed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    filer_user_id   uuid NOT NULL REFERENCES users (id),
    filer_org_id    uuid REFERENCES organizations (id),
    grounds         text NOT NULL CHECK (char_length(grounds) BETWEEN 1 AND 4000),
    decision_reason text CHECK (char_length(decision_reason) BETWEEN 1 AND 2000),
    decided_by      uuid REFERENCES users (id),
    decided_at      timestamptz,
    version         integer NOT NULL DEFAULT 1,
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK ((status = 'pending') = (decision_reason IS NULL))
);
CREATE INDEX notice_objections_notice_idx ON notice_objections (notice_id, filed_at, id);
-- the admin desk's queue of undecided objections, oldest first
CREATE INDEX notice_objections_pending_idx ON notice_objections (filed_at, id)
    WHERE status = 'pending';
-- one undecided objection per person and notice
CREATE UNIQUE INDEX notice_objections_one_pending_idx ON notice_objections (notice_id, filer_user_id)
    WHERE status = 'pending';

-- A notice's status as everyone sees it: an open notice whose window has passed with no
-- objection pending or upheld is closed_clean from that instant, whether or not anything
-- has been written since. Pure over its arguments (and the clock).
CREATE FUNCTION notice_effective_status(status text, closes_at timestamptz, has_pending boolean,
                                        has_upheld boolean) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status = 'open' AND closes_at <= now() AND NOT has_pending
                     AND NOT has_upheld
                THEN 'closed_clean' ELSE status END
$$;

-- The same for notice id, reading its objections.
CREATE FUNCTION notice_status_of(notice uuid) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT notice_effective_status(n.status, n.closes_at,
        EXISTS (SELECT 1 FROM notice_objections o WHERE o.notice_id = n.id AND o.status = 'pending'),
        EXISTS (SELECT 1 FROM notice_objections o WHERE o.notice_id = n.id AND o.status = 'upheld'))
    FROM notices n WHERE n.id = notice
$$;

-- The latest notice of contract c (NULL when it has none).
CREATE FUNCTION contract_latest_notice(c uuid) RETURNS uuid LANGUAGE sql STABLE AS $$
    SELECT n.id FROM notices n WHERE n.contract_id = c ORDER BY n.opens_at DESC, n.id DESC LIMIT 1
$$;

-- Where a contract stands for the transition table (contract_transitions): its
-- status, except that a draft that needs a notice is draft_awaiting_notice (none
-- running or clean), draft_in_notice (its latest notice is open) or draft_noticed
-- (its latest notice closed clean: it may be signed).
CREATE FUNCTION contract_phase(c uuid, status text, needs_notice boolean) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN status <> 'draft' OR NOT needs_notice THEN status
                ELSE CASE notice_status_of(contract_latest_notice(c))
                         WHEN 'open' THEN 'draft_in_notice'
                         WHEN 'closed_clean' THEN 'draft_noticed'
                         ELSE 'draft_awaiting_notice' END END
$$;

-- The database keeps the rules too: needs_notice never changes; terms are frozen while
-- a notice runs or after it closed clean; and a contract that needs a notice takes a
-- signature only when its latest notice closed clean.
CREATE FUNCTION contracts_notice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.needs_notice IS DISTINCT FROM OLD.needs_notice THEN
        RAISE EXCEPTION 'whether contract % needs a public notice cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.upfront_fee_fen, NEW.royalty_bp, NEW.minimum_annual_royalty_fen, NEW.term_start,
        NEW.term_end, NEW.territory, NEW.field_of_use, NEW.revenue_share, NEW.digest)
       IS DISTINCT FROM
       (OLD.upfront_fee_fen, OLD.royalty_bp, OLD.minimum_annual_royalty_fen, OLD.term_start,
        OLD.term_end, OLD.territory, OLD.field_of_use, OLD.revenue_share, OLD.digest)
       AND EXISTS (SELECT 1 FROM notices n WHERE n.contract_id = OLD.id
                   AND notice_status_of(n.id) IN ('open', 'closed_clean')) THEN
        RAISE EXCEPTION 'the terms of contract % are publicly noticed and cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contracts_notice_guard BEFORE UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_notice_guard();

CREATE FUNCTION contract_signatures_notice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- FOR SHARE: an objection being filed (it locks its notice) is waited for and
    -- then seen by the check below, which reads with a snapshot of its own
    PERFORM 1 FROM notices n WHERE n.id = contract_latest_notice(NEW.contract_id) FOR SHARE;
    IF EXISTS (SELECT 1 FROM contracts c WHERE c.id = NEW.contract_id AND c.needs_notice
               AND notice_status_of(contract_latest_notice(c.id)) IS DISTINCT FROM 'closed_clean')
    THEN
        RAISE EXCEPTION 'contract % needs a public notice that closed clean before it is signed',
            NEW.contract_id USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contract_signatures_notice_guard BEFORE INSERT ON contract_signatures
    FOR EACH ROW EXECUTE FUNCTION contract_signatures_notice_guard();
