"""Conversations on a listing (API.md "Negotiation, conversations, attachments"): an
interested verified organization opens a private conversation with the listing's owner;
both sides read and write it, paged, each message an event for the other side; anyone else
gets 404."""

import uuid

from harness import admin_token, member, problem, psql, test
from deal_fixtures import NEGOTIABLE, s, university, enterprise, publish, get


def post(tok, path, body, expect):
    r = s().request("POST", path, body, token=tok)
    assert r.status == expect, r
    return r.json()


@test
def test_conversation_open_and_talk():
    """the interested org opens, the owner answers; both see it, with events to the other side"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    start = int(psql("SELECT coalesce(max(id), 0) FROM events")[0][0])
    c = post(buyer[0], f"/v1/listings/{listing['id']}/conversations",
             {"message": "贵校赤泥路基材料技术能否先在淄博做中试？"}, 201)
    assert c["listing_id"] == listing["id"] and c["org_id"] == buyer[2]["id"], c
    assert c["owner_org_id"] == seller[2]["id"], c
    assert [m["body"] for m in c["messages"]] == ["贵校赤泥路基材料技术能否先在淄博做中试？"], c
    m = post(seller[0], f"/v1/conversations/{c['id']}/messages",
             {"body": "可以，中试线在山东理工大学鲁泰校区。\n请提供赤泥成分报告。"}, 201)
    assert m["org_id"] == seller[2]["id"] and m["conversation_id"] == c["id"], m
    both = get(buyer[0], f"/v1/conversations/{c['id']}").json()
    assert [x["org_id"] for x in both["messages"]] == [buyer[2]["id"], seller[2]["id"]], both
    assert get(seller[0], f"/v1/conversations/{c['id']}").json()["messages"] == both["messages"]
    for tok in (buyer[0], seller[0]):
        assert [x["id"] for x in get(tok, "/v1/conversations").json()["data"]] == [c["id"]]
    ev = psql(f"SELECT type, org_id, data->>'conversation_id' FROM events WHERE id > {start}"
              " AND type = 'conversation.message' ORDER BY id")
    assert ev == [["conversation.message", seller[2]["id"], c["id"]],
                  ["conversation.message", buyer[2]["id"], c["id"]]], ev
    # opening again adds to the same conversation (200), never a second one
    again = post(buyer[0], f"/v1/listings/{listing['id']}/conversations",
                 {"message": "补充：年处理赤泥约20万吨。"}, 200)
    assert again["id"] == c["id"] and again["message_count"] == 3, again


@test
def test_conversations_are_private():
    """others, admins included, get 404 on every conversation route; lists show them nothing"""
    seller, buyer = university(), enterprise()
    outsider = enterprise("淄博博达机械有限公司")
    admin = admin_token(s())
    listing = publish(seller[0])
    c = post(buyer[0], f"/v1/listings/{listing['id']}/conversations",
             {"message": "保密询价：独占许可价格区间？"}, 201)
    for tok in (outsider[0], admin):
        for path in (f"/v1/conversations/{c['id']}", f"/v1/conversations/{c['id']}/messages"):
            r = s().request("GET", path, token=tok)
            problem(r, 404)
            assert "保密询价" not in r.body.decode()
        problem(s().request("POST", f"/v1/conversations/{c['id']}/messages", {"body": "插话"},
                            token=tok), 404)
        assert "保密询价" not in s().request("GET", "/v1/conversations", token=tok).body.decode()
    problem(s().request("GET", f"/v1/conversations/{c['id']}"), 401)
    problem(s().request("GET", f"/v1/conversations/{uuid.uuid4()}", token=buyer[0]), 404)
    problem(s().request("GET", "/v1/conversations/not-an-id", token=buyer[0]), 404)


@test
def test_conversation_who_may_open():
    """verified orgs other than the owner open on visible listings; refusals change nothing"""
    seller, buyer = university(), enterprise()
    unverified = member(s(), kind="enterprise", name="淄博未认证建材", verified=False)
    listing = publish(seller[0])
    lid = listing["id"]
    body = {"message": "咨询技术细节"}
    problem(s().request("POST", f"/v1/listings/{lid}/conversations", body,
                        token=unverified[0]), 403)
    problem(s().request("POST", f"/v1/listings/{lid}/conversations", body, token=seller[0]), 403)
    problem(s().request("POST", f"/v1/listings/{lid}/conversations", body,
                        token=admin_token(s())), 403)
    problem(s().request("POST", f"/v1/listings/{lid}/conversations", body), 401)
    draft = s().request("POST", "/v1/listings", NEGOTIABLE, token=seller[0]).json()
    problem(s().request("POST", f"/v1/listings/{draft['id']}/conversations", body,
                        token=buyer[0]), 404)
    problem(s().request("POST", f"/v1/listings/{uuid.uuid4()}/conversations", body,
                        token=buyer[0]), 404)
    for bad in ({}, {"message": ""}, {"message": "x" * 5001}, {"message": "a\x01b"},
                {"message": "好", "extra": 1}):
        problem(s().request("POST", f"/v1/listings/{lid}/conversations", bad, token=buyer[0]),
                422)
    assert psql(f"SELECT count(*) FROM conversations WHERE listing_id = '{lid}'") == [["0"]]


@test
def test_conversation_messages_are_paged():
    """messages page oldest first without duplicates or gaps"""
    seller, buyer = university(), enterprise()
    listing = publish(seller[0])
    c = post(buyer[0], f"/v1/listings/{listing['id']}/conversations", {"message": "第0条"}, 201)
    for i in range(1, 25):
        tok = seller[0] if i % 2 else buyer[0]
        post(tok, f"/v1/conversations/{c['id']}/messages", {"body": f"第{i}条"}, 201)
    assert len(get(buyer[0], f"/v1/conversations/{c['id']}").json()["messages"]) == 20
    seen, cursor = [], None
    while True:
        q = f"?limit=7" + (f"&cursor={cursor}" if cursor else "")
        page = get(seller[0], f"/v1/conversations/{c['id']}/messages{q}").json()
        seen += [m["body"] for m in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"第{i}条" for i in range(25)], seen
    problem(s().request("GET", f"/v1/conversations/{c['id']}/messages?limit=0",
                        token=buyer[0]), 422, "limit")
