-- Needs (技术需求), proposals that answer them, the listing domains with the
-- waste categories each uses, and waste streams with their monthly ledger and
-- two-sided transfers (固废源头追溯, Solid Waste Law arts. 36-37).

-- Every listing domain of API.md, with the categories of the 2024 固体废物分类与
-- 代码目录 (the last three characters of a waste code, S01-S99) its technology
-- takes in. Matching reads waste_categories; GET /v1/domains lists the table.
CREATE TABLE domains (
    code             text PRIMARY KEY,
    pos              integer NOT NULL UNIQUE,
    name_zh          text NOT NULL,
    name_en          text NOT NULL,
    waste_categories text[] NOT NULL DEFAULT '{}'
);
INSERT INTO domains (code, pos, name_zh, name_en, waste_categories) VALUES
    ('red_mud_building_materials', 1, '赤泥建材', 'Red mud building materials', '{S09}'),
    ('red_mud_iron_recovery', 2, '赤泥选铁', 'Iron recovery from red mud', '{S09}'),
    ('red_mud_modification', 3, '赤泥改性', 'Red mud modification (road materials, ceramsite, foams)', '{S09}'),
    ('red_mud_harmless_treatment', 4, '赤泥无害化', 'Harmless treatment of red mud', '{S09}'),
    ('red_mud_ecological_restoration', 5, '赤泥生态治理', 'Ecological restoration with red mud', '{S09}'),
    ('titanium_gypsum', 6, '钛白石膏', 'Titanium gypsum', '{S11}'),
    ('foundry_waste', 7, '铸造固废', 'Foundry waste and foundry sand', '{S01,S59}'),
    ('construction_waste', 8, '建筑垃圾', 'Construction and demolition waste',
     '{S70,S71,S72,S73,S74,S75,S76,S77,S78,S79}'),
    ('industrial_slag', 9, '工业废渣', 'Industrial slag, fly ash, FGD gypsum, tailings',
     '{S01,S02,S03,S04,S05,S06}'),
    ('ceramic_waste', 10, '废陶瓷', 'Ceramic waste', '{S59}'),
    ('recycled_resources', 11, '再生资源', 'Recycled resources', '{S17}'),
    ('other', 12, '其他', 'Other', '{}');

-- The category of a waste code (its last three characters, 'S09').
CREATE FUNCTION waste_category(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT right(code, 3) $$;

CREATE TABLE needs (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id           uuid NOT NULL REFERENCES organizations (id),
    created_by       uuid NOT NULL REFERENCES users (id),
    title            text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description      text NOT NULL DEFAULT '' CHECK (char_length(description) <= 20000),
    domain           text NOT NULL REFERENCES domains (code),
    waste_codes      text[] NOT NULL DEFAULT '{}' CHECK (cardinality(waste_codes) <= 20),
    annual_tonnes    bigint CHECK (annual_tonnes >= 0),
    target_trl       integer CHECK (target_trl BETWEEN 1 AND 9),
    budget_min_fen   bigint CHECK (budget_min_fen >= 0),
    budget_max_fen   bigint CHECK (budget_max_fen >= 0),
    currency         text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    deadline         date,
    region_code      text CHECK (region_code ~ '^[0-9]{6}$'),
    status           text NOT NULL DEFAULT 'draft' CHECK (status IN (
                         'draft', 'pending_review', 'published', 'rejected', 'closed',
                         'withdrawn')),
    rejection_reason text,
    submitted_at     timestamptz,
    published_at     timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    search           tsvector GENERATED ALWAYS AS (
                         to_tsvector('simple', techex_search_tokens(title || ' ' || description))
                     ) STORED,
    CHECK (budget_min_fen IS NULL OR budget_max_fen IS NULL OR budget_min_fen <= budget_max_fen)
);
CREATE INDEX needs_org_idx ON needs (org_id, created_at DESC, id);
CREATE INDEX needs_public_idx ON needs (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX needs_search_idx ON needs USING gin (search);
CREATE INDEX needs_review_idx ON needs (submitted_at, id) WHERE status = 'pending_review';

-- The API shape of a need: its module and the moderation queue (listings.c)
-- both select it, so the queue need not know the module.
CREATE FUNCTION need_json(n needs) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', n.id, 'org_id', n.org_id, 'title', n.title,
        'description', n.description, 'domain', n.domain, 'waste_codes', to_jsonb(n.waste_codes),
        'annual_tonnes', n.annual_tonnes, 'target_trl', n.target_trl,
        'budget_min_fen', n.budget_min_fen, 'budget_max_fen', n.budget_max_fen,
        'currency', n.currency, 'deadline', to_char(n.deadline, 'YYYY-MM-DD'),
        'region_code', n.region_code, 'status', n.status,
        'rejection_reason', n.rejection_reason,
        'submitted_at', to_char(n.submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'published_at', to_char(n.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'created_at', to_char(n.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'updated_at', to_char(n.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;

-- A technology owner's answer to a published need: one of its published
-- listings at a price. Accepting it records the agreed deal as an accepted bid
-- (bid_id, the deal's record the contract is drafted from) and drafts the
-- contract (contract_id).
CREATE TABLE proposals (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    need_id          uuid NOT NULL REFERENCES needs (id),
    listing_id       uuid NOT NULL REFERENCES listings (id),
    org_id           uuid NOT NULL REFERENCES organizations (id), -- the listing's
    need_org_id      uuid NOT NULL REFERENCES organizations (id),
    created_by       uuid NOT NULL REFERENCES users (id),
    amount_fen       bigint NOT NULL CHECK (amount_fen BETWEEN 0 AND 1000000000000000),
    currency         text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    transaction_mode text NOT NULL CHECK (transaction_mode IN (
                         'assignment', 'exclusive_license', 'sole_license',
                         'non_exclusive_license')),
    message          text NOT NULL DEFAULT '' CHECK (char_length(message) <= 2000),
    royalty_bp       integer CHECK (royalty_bp BETWEEN 0 AND 10000),
    term_months      integer CHECK (term_months BETWEEN 1 AND 600),
    territory        text CHECK (char_length(territory) <= 200),
    field_of_use     text CHECK (char_length(field_of_use) <= 500),
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted')),
    bid_id           uuid REFERENCES bids (id),
    contract_id      uuid REFERENCES contracts (id),
    accepted_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    CHECK (org_id <> need_org_id),
    CHECK ((status = 'accepted') = (contract_id IS NOT NULL))
);
CREATE INDEX proposals_need_idx ON proposals (need_id, created_at, id);
-- one open proposal per need and listing
CREATE UNIQUE INDEX proposals_open_idx ON proposals (need_id, listing_id) WHERE status = 'open';

-- need.matched is raised once per need and listing.
CREATE TABLE need_matches_notified (
    need_id    uuid NOT NULL REFERENCES needs (id),
    listing_id uuid NOT NULL REFERENCES listings (id),
    score      integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (need_id, listing_id)
);

-- A producer's waste stream: what its ledger (art. 36) is kept for.
CREATE TABLE waste_streams (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organizations (id),
    created_by    uuid NOT NULL REFERENCES users (id),
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    waste_code    text NOT NULL CHECK (waste_code ~ '^[0-9]{3}0[0-9]{2}S[0-9]{2}$'),
    industry_code text NOT NULL CHECK (industry_code ~ '^[A-T][0-9]{2,4}$'),
    facility      text NOT NULL DEFAULT '' CHECK (char_length(facility) <= 200),
    process_step  text NOT NULL DEFAULT '' CHECK (char_length(process_step) <= 200),
    form          text NOT NULL CHECK (form IN (
                      'solid', 'semi_solid', 'sludge', 'slurry', 'powder', 'granular',
                      'liquid')),
    components    text[] NOT NULL DEFAULT '{}' CHECK (cardinality(components) <= 20),
    annual_tonnes bigint CHECK (annual_tonnes >= 0),
    region_code   text CHECK (region_code ~ '^[0-9]{6}$'),
    public        boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1
);
CREATE INDEX waste_streams_org_idx ON waste_streams (org_id, created_at, id);

-- One month of a stream's ledger: every kilogram generated is stored, used by
-- the producer, disposed of or handed to a receiver (waste_transfers).
CREATE TABLE waste_entries (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    stream_id    uuid NOT NULL REFERENCES waste_streams (id),
    period       text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    generated_kg bigint NOT NULL CHECK (generated_kg >= 0),
    stored_kg    bigint NOT NULL CHECK (stored_kg >= 0),
    self_used_kg bigint NOT NULL CHECK (self_used_kg >= 0),
    disposed_kg  bigint NOT NULL CHECK (disposed_kg >= 0),
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, period)
);

-- A handover (art. 37): the producer states kg, the receiver confirms what it
-- received; contract_id names the licence the waste serves (an active
-- contract whose licensee is the receiver).
CREATE TABLE waste_transfers (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    entry_id        uuid NOT NULL REFERENCES waste_entries (id),
    stream_id       uuid NOT NULL REFERENCES waste_streams (id),
    producer_org_id uuid NOT NULL REFERENCES organizations (id),
    receiver_org_id uuid NOT NULL REFERENCES organizations (id),
    line            integer NOT NULL CHECK (line >= 1), -- its place in the entry
    kg              bigint NOT NULL CHECK (kg > 0),
    contract_id     uuid REFERENCES contracts (id),
    status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed')),
    received_kg     bigint CHECK (received_kg >= 0),
    confirmed_at    timestamptz,
    confirmed_by    uuid REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (entry_id, line),
    CHECK (producer_org_id <> receiver_org_id),
    CHECK ((status = 'confirmed') = (received_kg IS NOT NULL AND confirmed_at IS NOT NULL))
);
CREATE INDEX waste_transfers_stream_idx ON waste_transfers (stream_id, created_at, id);
CREATE INDEX waste_transfers_receiver_idx ON waste_transfers (receiver_org_id, created_at, id);
CREATE INDEX waste_transfers_producer_idx ON waste_transfers (producer_org_id, created_at, id);

-- The API shape of a transfer.
CREATE FUNCTION waste_transfer_json(t waste_transfers) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('id', t.id, 'stream_id', t.stream_id,
        'period', (SELECT e.period FROM waste_entries e WHERE e.id = t.entry_id),
        'producer_org', (SELECT jsonb_build_object('id', o.id, 'name', o.name)
                         FROM organizations o WHERE o.id = t.producer_org_id),
        'receiver_org', (SELECT jsonb_build_object('id', o.id, 'name', o.name)
                         FROM organizations o WHERE o.id = t.receiver_org_id),
        'waste_code', (SELECT s.waste_code FROM waste_streams s WHERE s.id = t.stream_id),
        'kg', t.kg, 'contract_id', t.contract_id, 'status', t.status,
        'received_kg', t.received_kg,
        'confirmed_at', to_char(t.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'created_at', to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
$$;

-- Matching (README, "Matching"): what one need, or one waste stream, has in
-- common with one listing, as {score, reasons: [{kind, points, detail}]}, or
-- NULL when nothing but the region or the TRL would match. Deterministic: the
-- same rows give the same answer; callers order by score, then id.

-- Points for two GB/T 2260 region codes: the same district 10, city 7,
-- province 4.
CREATE FUNCTION match_region(need_region text, listing_region text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN need_region IS NULL OR listing_region IS NULL THEN NULL
        WHEN need_region = listing_region THEN jsonb_build_object('kind', 'region',
            'points', 10, 'detail', 'same district ' || need_region)
        WHEN left(need_region, 4) = left(listing_region, 4) THEN jsonb_build_object('kind',
            'region', 'points', 7, 'detail', 'same city ' || left(need_region, 4))
        WHEN left(need_region, 2) = left(listing_region, 2) THEN jsonb_build_object('kind',
            'region', 'points', 4, 'detail', 'same province ' || left(need_region, 2))
    END
$$;

-- The listing's words (its tags and a process's inputs, two characters or
-- more) found in text, 3 points each, at most 15.
CREATE FUNCTION match_words(l listings, text_ text) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN cardinality(w) > 0 THEN jsonb_build_object('kind', 'words',
        'points', least(15, 3 * cardinality(w)), 'detail', 'found: ' || array_to_string(w, ', '),
        'words', to_jsonb(w)) END
    FROM (SELECT ARRAY(SELECT DISTINCT t FROM (SELECT unnest(l.tags) AS t UNION ALL
              SELECT jsonb_array_elements_text(coalesce(l.process -> 'inputs', '[]'))) x
          WHERE char_length(t) >= 2 AND strpos(lower(text_), lower(t)) > 0
          ORDER BY t) AS w) y
$$;

-- Sums the reasons (NULLs dropped) when a strong one (waste_code, domain,
-- words) is among them.
CREATE FUNCTION match_result(reasons jsonb[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN bool_or(r ->> 'kind' IN ('waste_code', 'domain', 'words'))
        THEN jsonb_build_object('score', sum((r ->> 'points')::int),
                                'reasons', jsonb_agg(r ORDER BY ord)) END
    FROM unnest(reasons) WITH ORDINALITY AS x(r, ord) WHERE r IS NOT NULL
$$;

-- Need and listing: waste codes whose category the listing's domain takes in
-- 40, the same domain 30, the listing's TRL at least the target 15, region,
-- words.
CREATE FUNCTION need_listing_match(n needs, l listings) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT match_result(ARRAY[
        (SELECT CASE WHEN cardinality(hit) > 0 THEN jsonb_build_object('kind', 'waste_code',
            'points', 40, 'detail', array_to_string(hit, ', ') || ' in a category domain '
            || l.domain || ' takes in', 'waste_codes', to_jsonb(hit)) END
         FROM (SELECT ARRAY(SELECT c FROM unnest(n.waste_codes) c, domains d
               WHERE d.code = l.domain AND waste_category(c) = ANY (d.waste_categories)
               ORDER BY c) AS hit) h),
        CASE WHEN n.domain = l.domain THEN jsonb_build_object('kind', 'domain', 'points', 30,
            'detail', 'both in ' || l.domain) END,
        CASE WHEN n.target_trl IS NOT NULL AND l.trl >= n.target_trl THEN jsonb_build_object(
            'kind', 'trl', 'points', 15, 'detail', 'TRL ' || l.trl || ' meets the target '
            || n.target_trl) END,
        match_region(n.region_code, (SELECT o.region_code FROM organizations o
                                     WHERE o.id = l.org_id)),
        match_words(l, n.title || ' ' || n.description)])
$$;

-- Waste stream and listing: the stream's category taken in by the listing's
-- domain 40, region (the stream's, else its organization's), words (in the
-- stream's name, process step and components).
CREATE FUNCTION stream_listing_match(s waste_streams, l listings) RETURNS jsonb
LANGUAGE sql STABLE AS $$
    SELECT match_result(ARRAY[
        (SELECT jsonb_build_object('kind', 'waste_code', 'points', 40, 'detail',
            s.waste_code || ' in a category domain ' || l.domain || ' takes in',
            'waste_codes', jsonb_build_array(s.waste_code))
         FROM domains d WHERE d.code = l.domain
         AND waste_category(s.waste_code) = ANY (d.waste_categories)),
        match_region(coalesce(s.region_code, (SELECT o.region_code FROM organizations o
                                              WHERE o.id = s.org_id)),
                     (SELECT o.region_code FROM organizations o WHERE o.id = l.org_id)),
        match_words(l, s.name || ' ' || s.process_step || ' ' ||
                       array_to_string(s.components, ' '))])
$$;
