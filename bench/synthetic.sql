-- bench/synthetic.sql - synthetic published listings for `make bench`, rows
-- :first to :last (psql variables), tagged 合成数据, spread over the verified
-- demo organizations (load `techex seed-demo` first). bench/run.sh runs it:
--   psql -v ON_ERROR_STOP=1 -v first=1 -v last=50000 -f bench/synthetic.sql
-- Titles combine a material and its product (a theme) with a process word, a
-- qualifier and a pattern; red mud themes (the first 15) are drawn with
-- probability 0.25, the rest evenly. Every random choice is drawn per row in
-- r; c assembles the listing. Application numbers get their check character
-- from the weighted digit sum (weights 2..9, 2..5; 10 is written X).
BEGIN;
WITH themes (n, mat, prod, dom, mat_en, prod_en) AS (VALUES
    -- red mud first: the first 15
    (1, '赤泥', '透水砖', 'red_mud_building_materials', 'red mud', 'permeable bricks'),
    (2, '赤泥', '景观砖', 'red_mud_building_materials', 'red mud', 'landscape bricks'),
    (3, '赤泥', '水泥配料', 'red_mud_building_materials', 'red mud', 'cement raw meal'),
    (4, '赤泥', '陶瓷原料', 'red_mud_building_materials', 'red mud', 'ceramic raw material'),
    (5, '赤泥', '高铁砂', 'red_mud_iron_recovery', 'red mud', 'high-iron sand'),
    (6, '赤泥', '铁粉', 'red_mud_iron_recovery', 'red mud', 'iron powder'),
    (7, '赤泥', '路基材料', 'red_mud_modification', 'red mud', 'road-base material'),
    (8, '赤泥', '陶粒', 'red_mud_modification', 'red mud', 'ceramsite'),
    (9, '赤泥', '发泡保温材料', 'red_mud_modification', 'red mud', 'foamed insulation'),
    (10, '赤泥', '净水剂', 'red_mud_harmless_treatment', 'red mud', 'water-purifying agent'),
    (11, '赤泥', '磁肥', 'red_mud_harmless_treatment', 'red mud', 'magnetic fertilizer'),
    (12, '赤泥', '阻燃剂', 'red_mud_harmless_treatment', 'red mud', 'flame retardant'),
    (13, '赤泥', '土壤改良剂', 'red_mud_harmless_treatment', 'red mud', 'soil conditioner'),
    (14, '赤泥', '填充料', 'red_mud_harmless_treatment', 'red mud', 'filler'),
    (15, '赤泥', '矿坑生态修复材料', 'red_mud_ecological_restoration', 'red mud', 'mine-pit restoration material'),
    (16, '钛白石膏', '特种工程材料', 'titanium_gypsum', 'titanium gypsum', 'special engineering material'),
    (17, '钛白石膏', '水泥缓凝剂', 'titanium_gypsum', 'titanium gypsum', 'cement retarder'),
    (18, '钛白石膏', '路基回填材料', 'titanium_gypsum', 'titanium gypsum', 'subgrade backfill'),
    (19, '钛白石膏', '石膏砌块', 'titanium_gypsum', 'titanium gypsum', 'gypsum blocks'),
    (20, '铸造废砂', '再生砂', 'foundry_waste', 'waste foundry sand', 'reclaimed sand'),
    (21, '铸造废砂', '免烧砖', 'foundry_waste', 'waste foundry sand', 'unfired bricks'),
    (22, '铸造旧砂', '覆膜砂', 'foundry_waste', 'used foundry sand', 'coated sand'),
    (23, '铸造除尘灰', '建材掺合料', 'foundry_waste', 'foundry dust', 'mineral admixture'),
    (24, '建筑垃圾', '再生骨料', 'construction_waste', 'construction waste', 'recycled aggregate'),
    (25, '建筑垃圾', '再生砌块', 'construction_waste', 'construction waste', 'recycled blocks'),
    (26, '建筑垃圾', '干混砂浆', 'construction_waste', 'construction waste', 'dry-mix mortar'),
    (27, '建筑垃圾', '再生微粉', 'construction_waste', 'construction waste', 'recycled powder'),
    (28, '高炉渣', '矿渣微粉', 'industrial_slag', 'blast-furnace slag', 'slag powder'),
    (29, '高炉渣', '新型墙材', 'industrial_slag', 'blast-furnace slag', 'wall materials'),
    (30, '粉煤灰', '加气混凝土砌块', 'industrial_slag', 'fly ash', 'aerated concrete blocks'),
    (31, '粉煤灰', '轻质陶粒', 'industrial_slag', 'fly ash', 'lightweight ceramsite'),
    (32, '脱硫石膏', '纸面石膏板', 'industrial_slag', 'FGD gypsum', 'plasterboard'),
    (33, '脱硫石膏', '自流平砂浆', 'industrial_slag', 'FGD gypsum', 'self-levelling mortar'),
    (34, '钢渣', '路面骨料', 'industrial_slag', 'steel slag', 'paving aggregate'),
    (35, '含硫尾渣', '工业硫酸', 'industrial_slag', 'sulfur-bearing tailings', 'sulfuric acid'),
    (36, '含硫尾渣', '金银精矿', 'industrial_slag', 'sulfur-bearing tailings', 'gold and silver concentrate'),
    (37, '废陶瓷', '透水砖', 'ceramic_waste', 'ceramic waste', 'permeable bricks'),
    (38, '废陶瓷', '再生釉料', 'ceramic_waste', 'ceramic waste', 'recycled glaze'),
    (39, '废陶瓷', '陶瓷骨料', 'ceramic_waste', 'ceramic waste', 'ceramic aggregate'),
    (40, '废旧钢铁', '破碎炉料', 'recycled_resources', 'scrap steel', 'shredded furnace charge'),
    (41, '报废机动车', '再制造零部件', 'recycled_resources', 'end-of-life vehicles', 'remanufactured parts'),
    (42, '废塑料', '再生颗粒', 'recycled_resources', 'waste plastics', 'recycled pellets'),
    (43, '废旧电池', '镍钴锂盐', 'recycled_resources', 'spent batteries', 'nickel, cobalt and lithium salts'),
    (44, '废纸', '再生纸浆', 'recycled_resources', 'waste paper', 'recycled pulp'),
    (45, '飞灰', '水泥替代原料', 'other', 'incineration fly ash', 'cement raw material'),
    (46, '污染土', '水泥窑协同处置原料', 'other', 'contaminated soil', 'kiln co-processing feed')),
 process_words (n, pw, pw_en) AS (VALUES
    (1, '低温烧结', 'low-temperature sintering'),
    (2, '免烧', 'unfired forming'),
    (3, '微波活化', 'microwave activation'),
    (4, '碱激发', 'alkali activation'),
    (5, '磁选', 'magnetic separation'),
    (6, '浮选', 'flotation'),
    (7, '湿法', 'wet processing'),
    (8, '干法', 'dry processing'),
    (9, '悬浮焙烧', 'suspension roasting'),
    (10, '机械力化学', 'mechanochemical treatment'),
    (11, '蒸压养护', 'autoclave curing'),
    (12, '化学发泡', 'chemical foaming'),
    (13, '固化稳定化', 'solidification and stabilization'),
    (14, '协同处置', 'co-processing'),
    (15, '精细分选', 'fine sorting'),
    (16, '连续化', 'continuous processing')),
 v AS MATERIALIZED (SELECT
    (SELECT array_agg(mat ORDER BY n) FROM themes) AS mat,
    (SELECT array_agg(prod ORDER BY n) FROM themes) AS prod,
    (SELECT array_agg(dom ORDER BY n) FROM themes) AS dom,
    (SELECT array_agg(mat_en ORDER BY n) FROM themes) AS mat_en,
    (SELECT array_agg(prod_en ORDER BY n) FROM themes) AS prod_en,
    (SELECT array_agg(pw ORDER BY n) FROM process_words) AS pw,
    (SELECT array_agg(pw_en ORDER BY n) FROM process_words) AS pw_en,
    ARRAY['低成本', '高强', '轻质', '高值化', '大掺量', '绿色', '节能型', '智能化', '高性能', '环保型'] AS qual,
    ARRAY['一种{M}基{Q}{R}及其制备方法', '{M}{P}制备{Q}{R}技术', '基于{P}的{M}{R}生产工艺',
          '{M}制{R}{P}成套装备', '{P}{M}{Q}{R}工业化示范技术', '利用{M}生产{Q}{R}的{P}方法',
          '{M}综合利用：{P}{R}工艺包', '{Q}{M}{R}{P}中试技术', '{M}资源化制备{R}的{P}工艺',
          '一种{P}处理{M}制备{R}的装置'] AS pat,
    ARRAY['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱',
          '胡', '郭', '何', '林', '高', '罗', '郑', '梁', '谢', '宋', '唐', '韩', '冯'] AS sur,
    ARRAY['伟', '芳', '娜', '敏', '静', '强', '磊', '军', '洋', '勇', '艳', '杰',
          '涛', '明', '超', '秀英', '建国', '志强', '海涛', '晓东', '立新', '文斌', '玉林', '庆华'] AS given,
    ARRAY['C04B 18/04', 'C04B 33/132', 'C04B 28/08', 'C04B 38/08', 'C22B 7/04',
          'C22B 1/02', 'B03C 1/02', 'C02F 1/52', 'C09K 17/02', 'B09B 3/00',
          'B22C 5/18', 'C04B 18/16', 'C04B 11/26', 'E01C 3/04', 'C22B 11/00'] AS ipc,
    -- transaction mode sets
    ARRAY['assignment', 'exclusive_license', 'non_exclusive_license',
          'assignment,exclusive_license', 'exclusive_license,sole_license',
          'sole_license,non_exclusive_license',
          'assignment,exclusive_license,non_exclusive_license',
          'exclusive_license,non_exclusive_license'] AS modes,
    ARRAY(SELECT o.id FROM organizations o
          WHERE o.status = 'verified' AND EXISTS (SELECT 1 FROM users u
            WHERE u.org_id = o.id AND u.email LIKE '%@demo.techex.example')
          ORDER BY o.created_at, o.id) AS orgs,
    15 AS nred, 0.25::float8 AS red_share),
r AS (SELECT
     CASE WHEN random() < v.red_share THEN 1 + floor(random() * v.nred)::int
      ELSE v.nred + 1 + floor(random() * (cardinality(v.mat) - v.nred))::int END AS t,
     1 + floor(random() * cardinality(v.pw))::int AS p,
     1 + floor(random() * cardinality(v.qual))::int AS q,
     1 + floor(random() * cardinality(v.pat))::int AS f,
     1 + floor(random() * cardinality(v.orgs))::int AS o,
     1 + floor(random() * cardinality(v.modes))::int AS m,
     1 + floor(random() * cardinality(v.ipc))::int AS i1,
     1 + floor(random() * cardinality(v.ipc))::int AS i2,
     1 + floor(random() * cardinality(v.sur))::int AS s1,
     1 + floor(random() * cardinality(v.given))::int AS g1,
     1 + floor(random() * cardinality(v.sur))::int AS s2,
     1 + floor(random() * cardinality(v.given))::int AS g2,
     random() < 0.5 AS is_patent, 3 + floor(random() * 7)::int AS trl,
     random() AS pr, (5 + floor(random() * 496))::bigint * 1000000 AS price,
     1 + floor(random() * 30)::int AS days, random() * 365 AS age, random() * 48 AS wait,
     random() AS yr, random() < 0.75 AS invention,
     floor(random() * 10000000)::int AS serial, floor(random() * 365)::int AS doy,
     random() AS st, random() AS delay
     FROM generate_series(:first::int, :last::int) AS g, v),
y AS (SELECT r.*, CASE WHEN r.invention THEN 2012 + floor(r.yr * 12)::int
      ELSE 2017 + floor(r.yr * 7)::int END AS year FROM r),
a AS (SELECT y.*, CASE WHEN y.invention THEN 1 ELSE 2 END AS typ,
     make_date(y.year, 1, 1) + y.doy AS filed,
     CASE WHEN y.pr < 0.5 THEN 'fixed' WHEN y.pr < 0.9 THEN 'negotiable'
      ELSE 'auction' END AS pmode,
     now() - make_interval(secs => CASE WHEN y.pr >= 0.9 THEN y.age / 18 ELSE y.age END
      * 86400) AS pub
     FROM y),
b AS (SELECT a.*,
     lpad(a.year::text, 4, '0') || a.typ || lpad(a.serial::text, 7, '0') AS pre,
     (2 * (a.year / 1000) + 3 * (a.year / 100 % 10) + 4 * (a.year / 10 % 10)
      + 5 * (a.year % 10) + 6 * a.typ + 7 * (a.serial / 1000000) + 8 * (a.serial / 100000 % 10)
      + 9 * (a.serial / 10000 % 10) + 2 * (a.serial / 1000 % 10) + 3 * (a.serial / 100 % 10)
      + 4 * (a.serial / 10 % 10) + 5 * (a.serial % 10)) % 11 AS chk,
     a.filed + CASE WHEN a.invention THEN 600 + floor(a.delay * 700)::int
      ELSE 150 + floor(a.delay * 250)::int END AS granted
     FROM a),
c AS (SELECT b.*, b.pre || CASE WHEN b.chk = 10 THEN 'X' ELSE b.chk::text END AS app,
     NOT (b.year >= 2021 AND b.st < 0.4) AND b.granted < current_date AS is_granted
     FROM b)
INSERT INTO listings (org_id, kind, title, summary, description, domain, tags, trl,
     transaction_modes, pricing_mode, asking_price_fen, reserve_price_fen, min_increment_fen,
     auction_ends_at, patent, process, patent_number, status, submitted_at, published_at,
     created_at, updated_at)
SELECT v.orgs[c.o],
     CASE WHEN c.is_patent THEN 'patent' ELSE 'process' END,
     replace(replace(replace(replace(v.pat[c.f], '{M}', v.mat[c.t]), '{R}', v.prod[c.t]),
      '{P}', v.pw[c.p]), '{Q}', v.qual[c.q]),
     'Synthetic listing: ' || v.pw_en[c.p] || ' turning ' || v.mat_en[c.t] || ' into '
      || v.prod_en[c.t] || '.',
     '采用' || v.pw[c.p] || '工艺将' || v.mat[c.t] || '制成'
      || v.qual[c.q] || v.prod[c.t] || '，技术就绪度' || c.trl || '级。合成数据，仅供性能测试。',
     v.dom[c.t], ARRAY[v.mat[c.t], v.prod[c.t], v.pw[c.p], '合成数据'], c.trl,
     string_to_array(v.modes[c.m], ','), c.pmode,
     CASE WHEN c.pmode = 'fixed' THEN c.price END,
     CASE WHEN c.pmode = 'auction' THEN c.price END,
     CASE WHEN c.pmode = 'auction' THEN c.price / 50 END,
     CASE WHEN c.pmode = 'auction' THEN now() + make_interval(days => c.days) END,
     CASE WHEN c.is_patent THEN jsonb_strip_nulls(jsonb_build_object(
      'number', CASE WHEN c.is_granted THEN 'ZL' ELSE '' END || c.app,
      'type', CASE WHEN c.invention THEN 'invention' ELSE 'utility_model' END,
      'legal_status', CASE WHEN c.is_granted THEN 'granted' ELSE 'pending' END,
      'filing_date', to_char(c.filed, 'YYYY-MM-DD'),
      'grant_date', CASE WHEN c.is_granted THEN to_char(c.granted, 'YYYY-MM-DD') END,
      'expiry_date', CASE WHEN c.is_granted THEN to_char((c.filed + make_interval(years =>
       CASE WHEN c.invention THEN 20 ELSE 10 END))::date - 1, 'YYYY-MM-DD') END,
      'ipc', jsonb_build_array(v.ipc[c.i1]) || CASE WHEN c.i2 <> c.i1
       THEN jsonb_build_array(v.ipc[c.i2]) ELSE '[]'::jsonb END,
      'inventors', jsonb_build_array(v.sur[c.s1] || v.given[c.g1],
       v.sur[c.s2] || v.given[c.g2]))) END,
     CASE WHEN NOT c.is_patent THEN jsonb_build_object('scale',
      CASE WHEN c.trl <= 4 THEN 'lab' WHEN c.trl <= 6 THEN 'pilot' ELSE 'industrial' END,
      'inputs', jsonb_build_array(v.mat[c.t]), 'outputs', jsonb_build_array(v.prod[c.t]))
      END,
     CASE WHEN c.is_patent THEN CASE WHEN c.is_granted THEN 'ZL' ELSE '' END || c.app END,
     'published', c.pub - make_interval(hours => 1 + floor(c.wait)::int), c.pub,
     c.pub - make_interval(days => 1 + floor(c.wait / 4)::int), c.pub
FROM c, v;
INSERT INTO audit_log (action, object_type, detail)
VALUES ('listing.seed_synthetic', 'listing',
        jsonb_build_object('count', :last::bigint - :first::bigint + 1, 'tag', '合成数据'));
COMMIT;
