-- A contract keeps what it is about: the listing, its patent or process and the
-- two parties as they were when it was drafted (subject), and each signature
-- the names of its organization and signer when it was signed. The printable
-- document renders only from these, so nothing edited later changes what was
-- signed. Contracts drafted from now on have digest_scheme 2: their digest
-- covers the subject too (SHA-256 of the canonical JSON of revenue_share,
-- subject and terms); those drafted before keep scheme 1 (revenue_share and
-- terms), so the signatures already on them stay valid.
ALTER TABLE contracts
    ADD COLUMN subject jsonb,
    ADD COLUMN digest_scheme smallint NOT NULL DEFAULT 1 CHECK (digest_scheme IN (1, 2));
ALTER TABLE contract_signatures
    ADD COLUMN org_name text,
    ADD COLUMN user_name text;

-- The backfill takes the live rows: the best there is for contracts drafted
-- before. The guards would refuse any update of a terminated contract and any
-- update of a signature at all, so they step aside for it.
ALTER TABLE contracts DISABLE TRIGGER contracts_guard;
UPDATE contracts c SET subject = jsonb_build_object(
        'listing', jsonb_build_object('id', l.id, 'title', l.title, 'kind', l.kind,
                                      'domain', l.domain, 'patent', l.patent,
                                      'process', l.process),
        'licensor', jsonb_build_object('name', lo.name, 'kind', lo.kind),
        'licensee', jsonb_build_object('name', le.name, 'kind', le.kind))
    FROM listings l, organizations lo, organizations le
    WHERE l.id = c.listing_id AND lo.id = c.licensor_org_id AND le.id = c.licensee_org_id;
ALTER TABLE contracts ENABLE TRIGGER contracts_guard;
ALTER TABLE contracts
    ALTER COLUMN subject SET NOT NULL,
    ADD CONSTRAINT contracts_subject_object CHECK (jsonb_typeof(subject) = 'object'),
    ALTER COLUMN digest_scheme SET DEFAULT 2;

ALTER TABLE contract_signatures DISABLE TRIGGER contract_signatures_guard;
UPDATE contract_signatures s SET org_name = o.name, user_name = u.display_name
    FROM organizations o, users u WHERE o.id = s.org_id AND u.id = s.user_id;
ALTER TABLE contract_signatures ENABLE TRIGGER contract_signatures_guard;
ALTER TABLE contract_signatures
    ALTER COLUMN org_name SET NOT NULL,
    ALTER COLUMN user_name SET NOT NULL;

-- The subject never changes; the digest scheme not from the first signature.
CREATE OR REPLACE FUNCTION contracts_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
        RAISE EXCEPTION 'contracts are kept: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.listing_id, NEW.bid_id, NEW.licensor_org_id, NEW.licensee_org_id,
        NEW.transaction_mode, NEW.currency, NEW.created_at, NEW.subject)
       IS DISTINCT FROM
       (OLD.listing_id, OLD.bid_id, OLD.licensor_org_id, OLD.licensee_org_id,
        OLD.transaction_mode, OLD.currency, OLD.created_at, OLD.subject) THEN
        RAISE EXCEPTION 'the parties and the deal of contract % cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'terminated' THEN
        RAISE EXCEPTION 'contract % is terminated and cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.upfront_fee_fen, NEW.royalty_bp, NEW.minimum_annual_royalty_fen, NEW.term_start,
        NEW.term_end, NEW.territory, NEW.field_of_use, NEW.revenue_share, NEW.digest,
        NEW.digest_scheme)
       IS DISTINCT FROM
       (OLD.upfront_fee_fen, OLD.royalty_bp, OLD.minimum_annual_royalty_fen, OLD.term_start,
        OLD.term_end, OLD.territory, OLD.field_of_use, OLD.revenue_share, OLD.digest,
        OLD.digest_scheme)
       AND (OLD.status <> 'draft'
            OR EXISTS (SELECT 1 FROM contract_signatures s WHERE s.contract_id = OLD.id)) THEN
        RAISE EXCEPTION 'contract % is signed: its terms and revenue share cannot change', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

-- A signature is on the contract's current digest, and stays; the database
-- writes the names of its organization and signer as they are now.
CREATE OR REPLACE FUNCTION contract_signatures_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
    NEW.org_name := (SELECT o.name FROM organizations o WHERE o.id = NEW.org_id);
    NEW.user_name := (SELECT u.display_name FROM users u WHERE u.id = NEW.user_id);
    RETURN NEW;
END;
$$;
