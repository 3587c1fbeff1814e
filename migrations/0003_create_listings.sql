-- Listings: patents and process know-how, with Chinese and English search.

-- Search tokens for mixed Chinese and Latin text. Every run of CJK characters
-- becomes its overlapping bigrams, so a two-character query such as 赤泥 matches
-- inside a longer title; a document (not a query) also gets each character alone,
-- so a one-character query matches too. Latin words and numbers are lower-cased.
CREATE FUNCTION techex_search_tokens(t text, for_query boolean DEFAULT false) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    cjk constant text := '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+';
    run text;
    words text;
    out text := '';
BEGIN
    IF t IS NULL THEN
        RETURN '';
    END IF;
    words := lower(regexp_replace(regexp_replace(t, cjk, ' ', 'g'), '[^a-zA-Z0-9]+', ' ', 'g'));
    FOR run IN SELECT m[1] FROM regexp_matches(t, '(' || cjk || ')', 'g') AS m LOOP
        IF char_length(run) = 1 OR NOT for_query THEN
            FOR i IN 1 .. char_length(run) LOOP
                out := out || ' ' || substr(run, i, 1);
            END LOOP;
        END IF;
        IF char_length(run) > 1 THEN
            FOR i IN 1 .. char_length(run) - 1 LOOP
                out := out || ' ' || substr(run, i, 2);
            END LOOP;
        END IF;
    END LOOP;
    RETURN btrim(words || out);
END;
$$;

-- array_to_string is only STABLE in general; for text[] it cannot change.
CREATE FUNCTION techex_join_text(a text[]) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT array_to_string(a, ' ') $$;

CREATE TABLE listings (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id             uuid NOT NULL REFERENCES organizations (id),
    created_by         uuid REFERENCES users (id),
    kind               text NOT NULL CHECK (kind IN ('patent', 'process')),
    title              text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    summary            text NOT NULL DEFAULT '' CHECK (char_length(summary) <= 1000),
    description        text NOT NULL DEFAULT '' CHECK (char_length(description) <= 20000),
    domain             text NOT NULL CHECK (domain IN (
                           'red_mud_building_materials', 'red_mud_iron_recovery',
                           'red_mud_modification', 'red_mud_harmless_treatment',
                           'red_mud_ecological_restoration', 'titanium_gypsum',
                           'foundry_waste', 'construction_waste', 'industrial_slag',
                           'ceramic_waste', 'recycled_resources', 'other')),
    tags               text[] NOT NULL DEFAULT '{}' CHECK (cardinality(tags) <= 20),
    trl                smallint NOT NULL CHECK (trl BETWEEN 1 AND 9),
    transaction_modes  text[] NOT NULL CHECK (
                           cardinality(transaction_modes) BETWEEN 1 AND 4
                           AND transaction_modes <@ ARRAY['assignment', 'exclusive_license',
                                                          'sole_license', 'non_exclusive_license']),
    pricing_mode       text NOT NULL CHECK (pricing_mode IN ('fixed', 'negotiable', 'auction')),
    asking_price_fen   bigint CHECK (asking_price_fen >= 0),
    reserve_price_fen  bigint CHECK (reserve_price_fen >= 0),
    min_increment_fen  bigint CHECK (min_increment_fen > 0),
    auction_ends_at    timestamptz,
    currency           text NOT NULL DEFAULT 'CNY' CHECK (currency = 'CNY'),
    patent             jsonb,
    process            jsonb,
    patent_number      text,
    status             text NOT NULL DEFAULT 'draft' CHECK (status IN (
                           'draft', 'pending_review', 'published', 'rejected',
                           'under_contract', 'licensed', 'withdrawn')),
    rejection_reason   text,
    submitted_at       timestamptz,
    published_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    search             tsvector GENERATED ALWAYS AS (
                           setweight(to_tsvector('simple', techex_search_tokens(title)), 'A') ||
                           setweight(to_tsvector('simple', techex_search_tokens(
                               techex_join_text(tags))), 'B') ||
                           setweight(to_tsvector('simple', techex_search_tokens(summary)), 'C') ||
                           setweight(to_tsvector('simple', techex_search_tokens(
                               description || ' ' || coalesce(patent ->> 'inventors', '') || ' ' ||
                               coalesce(patent ->> 'ipc', ''))), 'D')) STORED,
    CHECK ((kind = 'patent') = (patent IS NOT NULL AND patent_number IS NOT NULL)),
    CHECK ((kind = 'process') = (process IS NOT NULL)),
    CHECK (pricing_mode <> 'auction' OR (reserve_price_fen IS NOT NULL
                                         AND min_increment_fen IS NOT NULL
                                         AND auction_ends_at IS NOT NULL)),
    CHECK (pricing_mode <> 'fixed' OR asking_price_fen IS NOT NULL)
);

CREATE INDEX listings_search_idx ON listings USING gin (search);
CREATE INDEX listings_org_idx ON listings (org_id, created_at DESC, id);
CREATE INDEX listings_public_newest_idx ON listings (published_at DESC, id DESC)
    WHERE status IN ('published', 'under_contract', 'licensed');
CREATE INDEX listings_public_domain_idx ON listings (domain, published_at DESC, id DESC)
    WHERE status IN ('published', 'under_contract', 'licensed');
CREATE INDEX listings_public_price_idx ON listings (asking_price_fen, id)
    WHERE status IN ('published', 'under_contract', 'licensed');
CREATE INDEX listings_moderation_idx ON listings (submitted_at, id) WHERE status = 'pending_review';
CREATE INDEX listings_patent_number_idx ON listings (patent_number);
