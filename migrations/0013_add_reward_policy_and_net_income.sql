-- Reward policy, net income and technology contract registration (issue 15).
--
-- 1. reward_policies: the inventors' share of net transfer or licence income a
--    licensor owes by law, per jurisdiction (a GB/T 2260 region-code prefix; ''
--    the national default), licensor kind and, optionally, whether the licensor
--    is government-established (NULL: either). The most specific matching row
--    wins: the longest prefix, then a row that names government_established
--    over one that does not. A new province is a row. Enterprises have no row:
--    their plan is the institution's alone, as before.
--      * national (促进科技成果转化法 art. 45): 5000 bp by default. The article
--        sets 50 % only "absent a rule or agreement": the parties may agree
--        otherwise, so the national floor is 0.
--      * Shandong (山东省促进科技成果转化条例 art. 34(1)): a government-established
--        university or research institute gives at least 70 %: default and floor
--        7000 bp.
--    A contract keeps the policy it was drafted under: the row's id, default,
--    floor and source are copied onto it (and never change), so an edit of this
--    table touches only contracts drafted afterwards.
CREATE TABLE reward_policies (
    id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    jurisdiction           text NOT NULL CHECK (jurisdiction ~ '^[0-9]{0,6}$'),
    licensor_kind          text NOT NULL
                           CHECK (licensor_kind IN ('university', 'research_institute', 'enterprise')),
    government_established boolean,
    inventor_default_bp    integer NOT NULL CHECK (inventor_default_bp BETWEEN 0 AND 10000),
    inventor_floor_bp      integer NOT NULL CHECK (inventor_floor_bp BETWEEN 0 AND 10000),
    source                 text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 500),
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (inventor_floor_bp <= inventor_default_bp),
    UNIQUE NULLS NOT DISTINCT (jurisdiction, licensor_kind, government_established)
);

INSERT INTO reward_policies (jurisdiction, licensor_kind, government_established,
                             inventor_default_bp, inventor_floor_bp, source) VALUES
    ('', 'university', NULL, 5000, 0,
     '促进科技成果转化法 第四十五条 (Law on Promoting the Transformation of Scientific and Technological Achievements, art. 45): absent a rule or agreement, at least 50 % of net income to the inventors'),
    ('', 'research_institute', NULL, 5000, 0,
     '促进科技成果转化法 第四十五条 (Law on Promoting the Transformation of Scientific and Technological Achievements, art. 45): absent a rule or agreement, at least 50 % of net income to the inventors'),
    ('37', 'university', true, 7000, 7000,
     '山东省促进科技成果转化条例 第三十四条第一项 (Shandong Regulations on Promoting the Transformation of Scientific and Technological Achievements, art. 34(1)): a government-established university or research institute gives at least 70 % of net income to the inventors'),
    ('37', 'research_institute', true, 7000, 7000,
     '山东省促进科技成果转化条例 第三十四条第一项 (Shandong Regulations on Promoting the Transformation of Scientific and Technological Achievements, art. 34(1)): a government-established university or research institute gives at least 70 % of net income to the inventors');

-- The policy a contract was drafted under, as it was then (NULL for an
-- enterprise licensor: no statutory plan).
ALTER TABLE contracts
    ADD COLUMN reward_policy_id    uuid REFERENCES reward_policies (id),
    ADD COLUMN inventor_default_bp integer CHECK (inventor_default_bp BETWEEN 0 AND 10000),
    ADD COLUMN inventor_floor_bp   integer CHECK (inventor_floor_bp BETWEEN 0 AND 10000),
    ADD COLUMN reward_policy_source text,
    ADD CONSTRAINT contracts_reward_policy_whole CHECK (
        (reward_policy_id IS NULL) = (inventor_default_bp IS NULL)
        AND (reward_policy_id IS NULL) = (inventor_floor_bp IS NULL)
        AND (reward_policy_id IS NULL) = (reward_policy_source IS NULL));

-- The backfill: contracts drafted before were drafted under art. 45 (5000 bp,
-- no floor) when their licensor was a university or research institute.
ALTER TABLE contracts DISABLE TRIGGER contracts_guard;
UPDATE contracts c SET reward_policy_id = p.id, inventor_default_bp = p.inventor_default_bp,
       inventor_floor_bp = p.inventor_floor_bp, reward_policy_source = p.source
    FROM reward_policies p
    WHERE p.jurisdiction = '' AND p.licensor_kind = c.subject -> 'licensor' ->> 'kind';
ALTER TABLE contracts ENABLE TRIGGER contracts_guard;

-- The snapshot never changes once written.
CREATE FUNCTION contracts_reward_policy_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.reward_policy_id, NEW.inventor_default_bp, NEW.inventor_floor_bp,
        NEW.reward_policy_source)
       IS DISTINCT FROM
       (OLD.reward_policy_id, OLD.inventor_default_bp, OLD.inventor_floor_bp,
        OLD.reward_policy_source) THEN
        RAISE EXCEPTION 'the reward policy of contract % is fixed at drafting', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER contracts_reward_policy_fixed BEFORE UPDATE ON contracts
    FOR EACH ROW EXECUTE FUNCTION contracts_reward_policy_fixed();

-- 2. Net income (净收入): a confirmation may record the costs of the transfer.
--    They are booked first, as ledger entries of role 'cost' (share_bp 0, the
--    reason as beneficiary); the rest is split by the plan. The payment keeps
--    what was deducted, so `techex check` can hold the ledger to it. The
--    technology-transfer office (技术转移机构, art. 36) becomes a plan role.
ALTER TABLE payments
    ADD COLUMN deductions jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(deductions) = 'array' AND jsonb_array_length(deductions) <= 20);

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_role_check;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_share_bp_check;
ALTER TABLE ledger_entries
    ADD CONSTRAINT ledger_entries_role_check
        CHECK (role IN ('institution', 'inventor', 'platform', 'other', 'tto', 'cost')),
    ADD CONSTRAINT ledger_entries_share_bp_check
        CHECK (CASE WHEN role = 'cost' THEN share_bp = 0 ELSE share_bp BETWEEN 1 AND 10000 END);

-- 3. Technology contract registration (技术合同认定登记): the licensor's record of
--    its progress at the registry. No row: status 'none'.
CREATE TABLE contract_registrations (
    contract_id         uuid PRIMARY KEY REFERENCES contracts (id),
    status              text NOT NULL CHECK (status IN ('submitted', 'registered', 'rejected')),
    registration_number text CHECK (registration_number ~ '^[0-9]{16}$'),
    registered_on       date,
    updated_by          uuid NOT NULL REFERENCES users (id),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1,
    CHECK ((status = 'registered') = (registration_number IS NOT NULL)),
    CHECK ((status = 'registered') = (registered_on IS NOT NULL))
);
