"""Search relevance over the demo data: a judged set of queries in Chinese and English,
scored by recall@10 and nDCG@10 (printed by `make test`)."""

import math
from urllib.parse import quote

from common import main_server
from harness import techex, test

DEMO_TAG = "演示数据"

# Listings by a fragment of their demo title (data/demo.json), unique.
RED_MUD = ["赤泥基透水砖", "赤泥-粉煤灰蒸压加气", "赤泥制备陶瓷砖坯料", "高掺量赤泥水泥配料",
           "赤泥景观砖免烧", "赤泥悬浮磁化焙烧", "赤泥直接还原", "赤泥强磁选铁分砂",
           "赤泥选铁尾渣", "赤泥中钪和稀土", "赤泥基道路路基", "赤泥稳定碎石基层",
           "赤泥轻质高强陶粒", "赤泥陶粒回转窑", "赤泥发泡保温板", "赤泥发泡轻质土",
           "赤泥微粉填料", "聚合氯化铝铁净水剂", "赤泥基磁化复合肥", "赤泥基无卤阻燃剂",
           "赤泥基酸性土壤改良剂", "赤泥钙化-碳化脱碱", "赤泥浆液连续脱碱", "赤泥堆场原位土壤化",
           "利用赤泥充填修复", "赤泥堆场生态覆盖层"]
TITANIUM = {"利用钛白石膏制备特种工程材料": 2, "钛石膏制备水泥缓凝剂": 2, "钛白石膏改性路基回填": 2}
FOUNDRY = {"铸造旧砂焙烧": 2, "铸造废砂多级擦洗": 2, "铸造用砂再生循环利用生产线": 2,
           "铸造除尘灰与废砂": 1}
CONSTRUCTION = {"建筑垃圾精细分选": 2, "再生骨料透水混凝土": 2, "建筑垃圾再生微粉干混砂浆": 2}
AGGREGATE = {"建筑垃圾精细分选": 2, "再生骨料透水混凝土": 2}
PERMEABLE = {"赤泥基透水砖": 2, "废陶瓷制备透水砖": 2}
CERAMSITE = {"赤泥轻质高强陶粒": 2, "赤泥陶粒回转窑": 2}
FLY_ASH = {"赤泥-粉煤灰蒸压加气": 2, "高炉渣-粉煤灰-脱硫石膏": 2, "赤泥发泡保温板": 1}
FGD = {"高炉渣-粉煤灰-脱硫石膏": 2, "赤泥基道路路基": 1, "赤泥堆场原位土壤化": 1}
SLAG = {"高炉渣-粉煤灰-脱硫石膏": 2}
SULFUR = {"含硫尾渣制硫酸": 2, "含硫尾渣焙烧渣中金银": 2}
SCRAP = {"废旧钢铁破碎分选": 2, "报废机动车精细化拆解": 1}
VEHICLES = {"报废机动车精细化拆解": 2, "报废汽车安全气囊": 2}
DEALKALI = {"赤泥制备陶瓷砖坯料": 2, "赤泥钙化-碳化脱碱": 2, "赤泥浆液连续脱碱": 2,
            "赤泥基磁化复合肥": 1, "赤泥基酸性土壤改良剂": 1, "赤泥微粉填料": 1}
IRON = {"赤泥悬浮磁化焙烧": 2, "赤泥强磁选铁分砂": 2, "赤泥选铁尾渣": 2, "赤泥直接还原": 1,
        "赤泥中钪和稀土": 1}
ROAD = {"赤泥基道路路基": 2, "赤泥稳定碎石基层": 2, "赤泥发泡轻质土": 1}
RESTORATION = {"赤泥堆场原位土壤化": 2, "利用赤泥充填修复": 2, "赤泥堆场生态覆盖层": 2}
UNFIRED = {"赤泥景观砖免烧": 2, "铸造除尘灰与废砂": 2}
CERAMIC = {"废陶瓷制备透水砖": 2, "废瓷粉再生釉料": 2, "赤泥基透水砖": 1}

# query -> {title fragment: grade (2 about it, 1 relevant)}
JUDGED = {
    "赤泥": {t: 2 for t in RED_MUD},
    "red mud": {t: 2 for t in RED_MUD},
    "bauxite residue": {t: 2 for t in RED_MUD},
    "铸造砂": FOUNDRY,
    "foundry sand": FOUNDRY,
    "铸造废砂": FOUNDRY,
    "钛石膏": TITANIUM,
    "titanium gypsum": TITANIUM,
    "钛白石膏": TITANIUM,
    "建筑垃圾": CONSTRUCTION,
    "construction waste": CONSTRUCTION,
    "再生骨料": AGGREGATE,
    "recycled aggregate": AGGREGATE,
    "透水砖": PERMEABLE,
    "permeable bricks": PERMEABLE,
    "陶粒": CERAMSITE,
    "ceramsite": CERAMSITE,
    "赤泥透水砖": {"赤泥基透水砖": 2, "废陶瓷制备透水砖": 1},
    "粉煤灰": FLY_ASH,
    "fly ash": dict(FLY_ASH, **{"水泥窑协同处置飞灰": 1}),
    "脱硫石膏": FGD,
    "FGD gypsum": FGD,
    "高炉渣": SLAG,
    "blast furnace slag": SLAG,
    "含硫尾渣": SULFUR,
    "废旧钢铁": SCRAP,
    "scrap steel": SCRAP,
    "报废汽车": VEHICLES,
    "end-of-life vehicles": VEHICLES,
    "脱碱": DEALKALI,
    "dealkalization": DEALKALI,
    "选铁": IRON,
    "赤泥路基": ROAD,
    "red mud road base": ROAD,
    "生态修复": RESTORATION,
    "阻燃剂": {"赤泥基无卤阻燃剂": 2},
    "flame retardant": {"赤泥基无卤阻燃剂": 2},
    "稀土": {"赤泥中钪和稀土": 2},
    "免烧砖": UNFIRED,
    "磁肥": {"赤泥基磁化复合肥": 2},
    "magnetic fertilizer": {"赤泥基磁化复合肥": 2},
    "钛石膏 路基": {"钛白石膏改性路基回填": 2},
    "废陶瓷": CERAMIC,
    "保温板": {"赤泥发泡保温板": 2},
}


def demo_ranking(srv, q, k=10):
    """The titles of the first k demo listings q finds, in the order found (the suite's
    own listings, which share the database, are skipped)."""
    titles, cursor = [], None
    for _ in range(10):
        r = srv.request("GET", f"/v1/listings?q={quote(q)}&limit=100"
                        + (f"&cursor={cursor}" if cursor else ""))
        assert r.status == 200, (q, r)
        page = r.json()
        titles += [l["title"] for l in page["data"] if DEMO_TAG in l["tags"]]
        cursor = page["next_cursor"]
        if len(titles) >= k or cursor is None:
            break
    return titles[:k]


def grade_of(title, judged):
    for fragment, grade in judged.items():
        if fragment in title:
            return grade
    return 0


def scores(ranking, judged, k=10):
    """recall@k over min(k, relevant) and nDCG@k with the judged grades."""
    gains = [grade_of(t, judged) for t in ranking[:k]]
    found = sum(1 for g in gains if g > 0)
    recall = found / min(k, len(judged))
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(judged.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return recall, dcg / idcg


@test
def test_search_relevance_on_judged_queries():
    """search finds what people type: mean recall@10 ≥ 0.9 over 40+ judged zh and en queries of the demo data (nDCG@10 printed)"""
    assert techex("seed-demo").returncode == 0
    srv = main_server()
    # every judged fragment names exactly one demo listing
    demo = demo_ranking(srv, "演示数据", k=1000)
    for judged in JUDGED.values():
        for fragment in judged:
            assert sum(fragment in t for t in demo) == 1, fragment
    recalls, ndcgs, misses = [], [], []
    for q, judged in JUDGED.items():
        recall, ndcg = scores(demo_ranking(srv, q), judged)
        recalls.append(recall)
        ndcgs.append(ndcg)
        if recall < 1:
            misses.append(f"{q} (recall {recall:.2f})")
    mean_recall = sum(recalls) / len(recalls)
    mean_ndcg = sum(ndcgs) / len(ndcgs)
    print(f"relevance: recall@10={mean_recall:.2f} nDCG@10={mean_ndcg:.2f} over {len(JUDGED)} queries"
          + (f"; below 1: {', '.join(misses)}" if misses else ""), flush=True)
    assert len(JUDGED) >= 30
    assert mean_recall >= 0.9, (mean_recall, misses)
