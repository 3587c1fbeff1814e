"""An organization's own listings in every status (GET /v1/orgs/{id}/listings)."""

from common import main_server
from harness import admin_token, member, problem, test
from test_listings import PROCESS, create, publish


def listing_page(path, token, expect=200):
    r = main_server().request("GET", path, token=token)
    assert r.status == expect, r
    return r.json()


@test
def test_members_see_every_listing_of_their_organization():
    """GET /v1/orgs/{id}/listings: members and admins see every status, ?status= filters, newest first, paged; others get 404"""
    s = main_server()
    tok, _, org, _ = member(s, kind="university", name="机构挂牌列表大学", verified=True)
    draft = create(tok, dict(PROCESS, title="机构列表·赤泥草稿"))["id"]
    pending = create(tok, dict(PROCESS, title="机构列表·钛白石膏待审"))["id"]
    assert s.request("POST", f"/v1/listings/{pending}/submit", token=tok).status == 200
    published = publish(tok, dict(PROCESS, title="机构列表·铸造废砂已发布"))
    rejected = create(tok, dict(PROCESS, title="机构列表·建筑垃圾被驳回"))["id"]
    assert s.request("POST", f"/v1/listings/{rejected}/submit", token=tok).status == 200
    r = s.request("POST", f"/v1/admin/listings/{rejected}/reject",
                  {"reason": "材料不全"}, token=admin_token(s))
    assert r.status == 200, r
    base = f"/v1/orgs/{org['id']}/listings"
    everything = [rejected, published, pending, draft]
    page = listing_page(base, tok)
    assert [l["id"] for l in page["data"]] == everything, page
    assert {l["status"] for l in page["data"]} == {"draft", "pending_review", "published",
                                                   "rejected"}
    assert page["data"][0]["org"] == {"id": org["id"], "name": "机构挂牌列表大学"}
    assert page["data"][0]["rejection_reason"] == "材料不全"
    for status, want in (("draft", [draft]), ("pending_review", [pending]),
                         ("published", [published]), ("withdrawn", [])):
        got = listing_page(f"{base}?status={status}", tok)["data"]
        assert [l["id"] for l in got] == want, (status, got)
    # paged one at a time: the same order, no repeats or gaps
    seen, cursor = [], None
    while True:
        page = listing_page(f"{base}?limit=1" + (f"&cursor={cursor}" if cursor else ""), tok)
        seen += [l["id"] for l in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything, seen
    # an admin sees them all; another organization nothing (404), nor anyone without a token
    assert [l["id"] for l in listing_page(base, admin_token(s))["data"]] == everything
    other, _, _, _ = member(s, kind="enterprise", name="旁观者建材公司", verified=True)
    p = problem(s.request("GET", base, token=other), 404)
    assert "机构列表" not in str(p)
    problem(s.request("GET", base), 401)
    problem(s.request("GET", "/v1/orgs/00000000-0000-4000-8000-00000000dead/listings",
                      token=admin_token(s)), 404)
    p = problem(s.request("GET", f"{base}?status=sold", token=tok), 422, "status")
    msg = next(e["message"] for e in p["errors"] if e["field"] == "status")
    assert all(x in msg for x in ("draft", "pending_review", "published", "rejected",
                                  "under_contract", "licensed", "withdrawn")), msg
