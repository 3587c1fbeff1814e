-- Search that finds what people type: synonyms, partial matches, and the
-- version that keeps cached search results correct.

-- Terms that mean the same thing, in Chinese and English: a query that names
-- any member of a group matches a listing that names any other. Admins edit
-- the table by migration; a change to it invalidates cached results (below).
CREATE TABLE search_synonyms (
    group_id   integer NOT NULL CHECK (group_id > 0),
    term       text NOT NULL CHECK (char_length(term) BETWEEN 1 AND 100),
    lang       text NOT NULL CHECK (lang IN ('zh', 'en')),
    PRIMARY KEY (group_id, term)
);

INSERT INTO search_synonyms (group_id, term, lang) VALUES
    (1, '赤泥', 'zh'), (1, '拜耳法赤泥', 'zh'), (1, 'red mud', 'en'),
    (1, 'bauxite residue', 'en'),
    (2, '钛石膏', 'zh'), (2, '钛白石膏', 'zh'), (2, '钛白粉石膏', 'zh'),
    (2, 'titanium gypsum', 'en'), (2, 'titanogypsum', 'en'),
    (3, '铸造砂', 'zh'), (3, '铸造废砂', 'zh'), (3, '铸造旧砂', 'zh'), (3, '铸造用砂', 'zh'),
    (3, '铸造型砂', 'zh'), (3, 'foundry sand', 'en'), (3, 'waste foundry sand', 'en'),
    (3, 'used foundry sand', 'en'),
    (4, '钢渣', 'zh'), (4, '炼钢渣', 'zh'), (4, 'steel slag', 'en'),
    (5, '建筑垃圾', 'zh'), (5, '建筑废弃物', 'zh'), (5, '建筑固废', 'zh'),
    (5, 'construction waste', 'en'), (5, 'c&d waste', 'en'),
    (5, 'construction and demolition waste', 'en'), (5, 'demolition waste', 'en'),
    (6, '粉煤灰', 'zh'), (6, 'fly ash', 'en'), (6, 'coal fly ash', 'en'),
    (7, '煤矸石', 'zh'), (7, 'coal gangue', 'en'),
    (8, '废钢', 'zh'), (8, '废钢铁', 'zh'), (8, '废旧钢铁', 'zh'), (8, 'scrap steel', 'en'),
    (8, 'steel scrap', 'en'), (8, 'scrap iron', 'en'),
    (9, '磷石膏', 'zh'), (9, 'phosphogypsum', 'en'),
    (10, '脱硫石膏', 'zh'), (10, 'fgd gypsum', 'en'), (10, 'desulfurization gypsum', 'en'),
    (10, 'flue gas desulfurization gypsum', 'en'),
    (11, '冶炼渣', 'zh'), (11, 'smelting slag', 'en'),
    (12, '高炉渣', 'zh'), (12, '高炉矿渣', 'zh'), (12, '矿渣', 'zh'),
    (12, 'blast furnace slag', 'en'), (12, 'granulated slag', 'en'),
    (13, '陶粒', 'zh'), (13, 'ceramsite', 'en'),
    (14, '再生骨料', 'zh'), (14, 'recycled aggregate', 'en'),
    (14, 'recycled aggregates', 'en'),
    (15, '透水砖', 'zh'), (15, 'permeable brick', 'en'), (15, 'permeable bricks', 'en'),
    (15, 'permeable paving bricks', 'en'),
    (16, '免烧砖', 'zh'), (16, 'unfired brick', 'en'), (16, 'unfired bricks', 'en'),
    (17, '废陶瓷', 'zh'), (17, '陶瓷废料', 'zh'), (17, 'ceramic waste', 'en'),
    (17, 'waste ceramics', 'en'),
    (18, '含硫尾渣', 'zh'), (18, '硫铁矿烧渣', 'zh'), (18, 'sulfur tailings', 'en'),
    (18, 'sulfur bearing tailings', 'en'), (18, 'pyrite cinder', 'en'),
    (19, '报废机动车', 'zh'), (19, '报废汽车', 'zh'), (19, '机动车拆解', 'zh'),
    (19, 'end of life vehicles', 'en'), (19, 'scrapped vehicles', 'en'),
    (20, '选铁', 'zh'), (20, '提铁', 'zh'), (20, '铁回收', 'zh'), (20, 'iron recovery', 'en'),
    (21, '脱碱', 'zh'), (21, 'dealkalization', 'en'),
    (22, '生态修复', 'zh'), (22, '生态治理', 'zh'), (22, 'ecological restoration', 'en'),
    (23, '路基材料', 'zh'), (23, '路基', 'zh'), (23, 'road base', 'en'), (23, 'subgrade', 'en'),
    (24, '水泥缓凝剂', 'zh'), (24, '缓凝剂', 'zh'), (24, 'cement retarder', 'en'),
    (25, '净水剂', 'zh'), (25, 'water purifying agent', 'en'),
    (26, '阻燃剂', 'zh'), (26, 'flame retardant', 'en'),
    (27, '土壤改良剂', 'zh'), (27, 'soil conditioner', 'en'),
    (28, '磁肥', 'zh'), (28, '磁化复合肥', 'zh'), (28, 'magnetic fertilizer', 'en'),
    (29, '稀土', 'zh'), (29, 'rare earth', 'en'), (29, 'rare earths', 'en'),
    (30, '保温板', 'zh'), (30, 'insulation board', 'en'), (30, 'insulation boards', 'en'),
    (31, '飞灰', 'zh'), (31, 'incineration fly ash', 'en'),
    (32, '干混砂浆', 'zh'), (32, 'dry mix mortar', 'en'),
    (33, '加气混凝土', 'zh'), (33, 'aerated concrete', 'en'),
    (34, '废塑料', 'zh'), (34, 'waste plastics', 'en'), (34, 'plastic waste', 'en'),
    (35, '废旧电池', 'zh'), (35, '废电池', 'zh'), (35, 'spent batteries', 'en'),
    (36, '协同处置', 'zh'), (36, 'co processing', 'en'),
    (37, '钪', 'zh'), (37, 'scandium', 'en');

-- What a query asks for, as units that each count once: a synonym group the
-- query names (matched when the listing has any member: every term of that
-- member), then each remaining term (bigrams of Chinese runs, Latin words).
-- Longer synonyms are found first; what a synonym covered leaves the text, so
-- no bigram straddles it. n units; a listing matches fully with all of them
-- (full), partly with at least need of them (60 %, at least one); any is the
-- union, the index's way in.
CREATE FUNCTION techex_search_norm(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ' ' || btrim(regexp_replace(lower(t),
        '[^a-z0-9\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+', ' ', 'g')) || ' '
$$;

CREATE FUNCTION techex_search_query(q text, OUT units tsquery[], OUT n integer,
                                    OUT need integer, OUT full_q tsquery, OUT any_q tsquery)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    rest text := techex_search_norm(q);
    s record;
    seen integer[] := '{}';
    unit tsquery;
    tok text;
BEGIN
    units := '{}';
    n := 0;
    need := 1;
    -- no term at all: a lexeme no text has, so that nothing matches (quietly)
    full_q := $nothing$'!'$nothing$::tsquery;
    any_q := full_q;
    IF rest IS NULL OR btrim(rest) = '' THEN
        RETURN;
    END IF;
    FOR s IN SELECT group_id, techex_search_norm(term) AS norm, term ~ '^[ -~]*$' AS latin
             FROM search_synonyms ORDER BY char_length(term) DESC, term LOOP
        IF (s.latin AND position(s.norm IN rest) > 0)
           OR (NOT s.latin AND position(btrim(s.norm) IN rest) > 0) THEN
            rest := CASE WHEN s.latin THEN replace(rest, s.norm, ' ')
                         ELSE replace(rest, btrim(s.norm), ' ') END;
            IF NOT s.group_id = ANY (seen) THEN
                seen := seen || s.group_id;
                SELECT tsquery_agg INTO unit FROM (
                    SELECT string_agg('(' || plainto_tsquery('simple',
                               techex_search_tokens(y.term, true))::text || ')', ' | ')::tsquery
                           AS tsquery_agg
                    FROM search_synonyms y WHERE y.group_id = s.group_id) z;
                units := units || unit;
            END IF;
        END IF;
    END LOOP;
    FOR tok IN SELECT DISTINCT t FROM regexp_split_to_table(
                   techex_search_tokens(rest, true), ' ') AS t WHERE t <> '' LOOP
        units := units || plainto_tsquery('simple', tok);
    END LOOP;
    n := cardinality(units);
    need := greatest(1, (n * 6 + 9) / 10);
    IF n = 0 THEN
        RETURN;
    END IF;
    SELECT string_agg('(' || u::text || ')', ' & ')::tsquery,
           string_agg('(' || u::text || ')', ' | ')::tsquery
      INTO full_q, any_q FROM unnest(units) AS u;
END;
$$;

-- How many of a query's units a search vector matches.
CREATE FUNCTION techex_search_hits(v tsvector, units tsquery[]) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT count(*)::integer FROM unnest(units) AS u WHERE v @@ u
$$;

-- The version of everything a public search shows: it grows in the
-- transaction of any change to listings, to an auction's bids (a listing shows
-- its highest bid), to an organization's name, or to the synonyms. A cached
-- search result is good while the sum is the one it was read with. Sixteen
-- rows, so that concurrent writers rarely wait for each other; each
-- transaction bumps one, once.
CREATE TABLE search_versions (
    shard integer PRIMARY KEY CHECK (shard BETWEEN 0 AND 15),
    n     bigint NOT NULL DEFAULT 0
);
INSERT INTO search_versions (shard) SELECT generate_series(0, 15);

CREATE FUNCTION techex_search_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    tx text := txid_current()::text;
BEGIN
    IF TG_TABLE_NAME = 'bids' AND TG_LEVEL = 'ROW' THEN
        IF NOT EXISTS (SELECT 1 FROM listings
                       WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.listing_id
                                       ELSE NEW.listing_id END
                         AND pricing_mode = 'auction') THEN
            RETURN NULL;
        END IF;
    END IF;
    IF coalesce(current_setting('techex.search_bumped', true), '') <> tx THEN
        UPDATE search_versions SET n = n + 1 WHERE shard = (txid_current() % 16)::integer;
        PERFORM set_config('techex.search_bumped', tx, true);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER listings_search_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON listings
    FOR EACH STATEMENT EXECUTE FUNCTION techex_search_bump();
CREATE TRIGGER organizations_search_bump AFTER UPDATE ON organizations
    FOR EACH STATEMENT EXECUTE FUNCTION techex_search_bump();
CREATE TRIGGER synonyms_search_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON search_synonyms FOR EACH STATEMENT EXECUTE FUNCTION techex_search_bump();
CREATE TRIGGER bids_search_bump AFTER INSERT OR UPDATE OR DELETE ON bids
    FOR EACH ROW EXECUTE FUNCTION techex_search_bump();

-- An organization's listings in every status, newest first (its members' list).
CREATE INDEX listings_org_status_idx ON listings (org_id, status, created_at DESC, id DESC);
