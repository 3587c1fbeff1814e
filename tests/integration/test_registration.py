"""Technology contract registration (技术合同认定登记): the export the registry asks for
(JSON and CSV) and the licensor's record of its progress (submitted, registered with its
16-digit number, rejected), walked through its state table.

Credit codes and regions are set by SQL: the profile routes are another branch's."""

import random

from common import main_server
from harness import admin_token, problem, psql, test
from deal_fixtures import act, bid, enterprise, get, offer, publish, university
from deal_fixtures import NEGOTIABLE
from test_revenue import active_contract

FIELDS = {"contract_type", "project_name", "seller", "buyer", "total_amount_fen",
          "technology_amount_fen", "signed_on", "term_start", "term_end", "payment_method",
          "tech_area", "patent_number", "related_party", "status", "registration_number",
          "registered_on"}


def s():
    return main_server()


def credit_code():
    return "9137" + "".join(random.choice("0123456789") for _ in range(13)) + "X"


def profile(org_id, region):
    code = credit_code()
    psql(f"UPDATE organizations SET credit_code = '{code}', region_code = '{region}'"
         f" WHERE id = '{org_id}'")
    return code


def record(tok, cid, body, expect=200):
    r = s().request("POST", f"/v1/contracts/{cid}/registration", body, token=tok)
    assert r.status == expect, r
    return r.json()


@test
def test_registration_export_in_json_and_csv():
    """the registry's fields for a signed licence: type, parties with codes, amounts in fen, dates, patent"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    u_code = profile(seller[2]["id"], "370303")
    e_code = profile(buyer[2]["id"], "370305")
    reg = get(seller[0], f"/v1/contracts/{cid}/registration").json()
    assert set(reg) == FIELDS, set(reg) ^ FIELDS
    assert reg["contract_type"] == "技术许可" and reg["project_name"] == NEGOTIABLE["title"], reg
    assert reg["seller"] == {"name": "山东理工大学", "credit_code": u_code, "region_code": "370303",
                             "entity_type": "022"}, reg
    assert reg["buyer"] == {"name": "山东金卡材料有限公司", "credit_code": e_code,
                            "region_code": "370305", "entity_type": "150"}, reg
    assert reg["total_amount_fen"] == 30000000 and reg["technology_amount_fen"] == 30000000, reg
    assert reg["term_start"] == "2025-01-01" and reg["term_end"] == "2029-12-31", reg
    assert reg["signed_on"] is not None and len(reg["signed_on"]) == 10, reg
    assert reg["payment_method"] == "入门费加提成", reg  # upfront fee and 300 bp royalty
    assert reg["tech_area"] == "环境保护与资源综合利用", reg
    assert reg["patent_number"] == "ZL2017106018623", reg
    assert reg["related_party"] is False and reg["status"] == "none", reg
    assert reg["registration_number"] is None and reg["registered_on"] is None, reg
    # the licensee and admins see it too; a stranger gets a 404
    assert get(buyer[0], f"/v1/contracts/{cid}/registration").json() == reg
    assert get(admin_token(s()), f"/v1/contracts/{cid}/registration").json() == reg
    problem(s().request("GET", f"/v1/contracts/{cid}/registration", token=enterprise()[0]), 404)
    problem(s().request("GET", f"/v1/contracts/{cid}/registration"), 401)
    # CSV: BOM, a header, one row, the parties flattened
    r = s().request("GET", f"/v1/contracts/{cid}/registration", token=seller[0],
                    headers={"Accept": "text/csv"})
    assert r.status == 200 and r.header("Content-Type").startswith("text/csv"), r
    assert "attachment" in r.header("Content-Disposition"), r.headers
    assert r.body.startswith(b"\xef\xbb\xbf"), r.body[:10]
    lines = r.body.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ("contract_type,project_name,seller_name,seller_credit_code,"
                        "seller_region_code,seller_entity_type,buyer_name,buyer_credit_code,"
                        "buyer_region_code,buyer_entity_type,total_amount_fen,"
                        "technology_amount_fen,signed_on,term_start,term_end,payment_method,"
                        "tech_area,patent_number,related_party,status,registration_number,"
                        "registered_on"), lines[0]
    assert lines[1] == (f"技术许可,{NEGOTIABLE['title']},山东理工大学,{u_code},370303,022,"
                        f"山东金卡材料有限公司,{e_code},370305,150,30000000,30000000,"
                        f"{reg['signed_on']},2025-01-01,2029-12-31,入门费加提成,"
                        f"环境保护与资源综合利用,ZL2017106018623,false,none,,"), lines[1]
    assert lines[2] == "" and len(lines) == 3, lines


@test
def test_registration_status_walk():
    """submitted, then registered with a 16-digit number and a date; rejected goes back to submitted"""
    seller, buyer, c = active_contract()
    cid = c["id"]
    path = f"/v1/contracts/{cid}/registration"
    p = problem(s().request("POST", path, {"status": "registered",
                                           "registration_number": "3703032026000123",
                                           "registered_on": "2026-03-01"}, token=seller[0]), 409)
    assert p["type"].endswith("invalid-state"), p
    assert record(seller[0], cid, {"status": "submitted"})["status"] == "submitted"
    for bad in ({"status": "registered", "registered_on": "2026-03-01"},
                {"status": "registered", "registration_number": "370303202600012",
                 "registered_on": "2026-03-01"},
                {"status": "registered", "registration_number": "37030320260001２３",
                 "registered_on": "2026-03-01"}):
        problem(s().request("POST", path, bad, token=seller[0]), 422, "registration_number")
    problem(s().request("POST", path, {"status": "registered",
                                       "registration_number": "3703032026000123"},
                        token=seller[0]), 422, "registered_on")
    problem(s().request("POST", path, {"status": "rejected", "registration_number": "1" * 16},
                        token=seller[0]), 422, "registration_number")
    problem(s().request("POST", path, {"status": "filed"}, token=seller[0]), 422, "status")
    assert get(buyer[0], path).json()["status"] == "submitted"  # nothing changed
    done = record(seller[0], cid, {"status": "registered", "registration_number": "3703032026000123",
                                   "registered_on": "2026-03-01"})
    assert (done["status"], done["registration_number"], done["registered_on"]) == (
        "registered", "3703032026000123", "2026-03-01"), done
    for again in ("submitted", "rejected"):
        problem(s().request("POST", path, {"status": again}, token=seller[0]), 409)
    # another contract: rejected, submitted again
    s2, b2, c2 = active_contract()
    record(s2[0], c2["id"], {"status": "submitted"})
    assert record(s2[0], c2["id"], {"status": "rejected"})["status"] == "rejected"
    assert record(s2[0], c2["id"], {"status": "submitted"})["status"] == "submitted"
    actions = [row[0] for row in psql(
        f"SELECT action FROM audit_log WHERE object_id IN ('{cid}', '{c2['id']}')"
        f" AND action LIKE 'registration.%' ORDER BY id")]
    assert actions == ["registration.submit", "registration.register", "registration.submit",
                       "registration.reject", "registration.submit"], actions


@test
def test_registration_who_may_record_it():
    """only the licensor's owner or admin records, only for a signed contract; the licensee and admins are refused"""
    seller, buyer, c = active_contract()
    path = f"/v1/contracts/{c['id']}/registration"
    problem(s().request("POST", path, {"status": "submitted"}, token=buyer[0]), 403)
    problem(s().request("POST", path, {"status": "submitted"}, token=admin_token(s())), 403)
    problem(s().request("POST", path, {"status": "submitted"}, token=enterprise()[0]), 404)
    problem(s().request("POST", path, {"status": "submitted"}), 401)
    assert get(seller[0], path).json()["status"] == "none"
    # a draft is not registered
    seller2 = university()
    buyer2 = enterprise()
    listing = publish(seller2[0], NEGOTIABLE)
    b = bid(buyer2[0], listing["id"], offer(mode="assignment"))
    draft = act(seller2[0], b["id"], "accept", expect=201)["contract"]
    p = problem(s().request("POST", f"/v1/contracts/{draft['id']}/registration",
                            {"status": "submitted"}, token=seller2[0]), 409)
    assert p["type"].endswith("contract-not-signed"), p
    reg = get(seller2[0], f"/v1/contracts/{draft['id']}/registration").json()
    assert reg["contract_type"] == "技术转让" and reg["signed_on"] is None, reg


@test
def test_registration_related_party_by_org_family():
    """licensor and licensee of one organization family (parent_id) are related parties"""
    seller, buyer, c = active_contract()
    path = f"/v1/contracts/{c['id']}/registration"
    assert get(seller[0], path).json()["related_party"] is False
    parent = enterprise("中铝山东有限公司")
    psql(f"UPDATE organizations SET parent_id = '{parent[2]['id']}'"
         f" WHERE id IN ('{seller[2]['id']}', '{buyer[2]['id']}')")
    assert get(seller[0], path).json()["related_party"] is True
    psql(f"UPDATE organizations SET parent_id = NULL WHERE id = '{seller[2]['id']}'")
    psql(f"UPDATE organizations SET parent_id = '{buyer[2]['id']}' WHERE id = '{seller[2]['id']}'")
    assert get(seller[0], path).json()["related_party"] is True  # a subsidiary of the licensee


@test
def test_registration_concurrent_records_go_one_after_the_other():
    """two 'registered' and a 'rejected' at once on a submitted filing: exactly one wins, the others are 409"""
    from test_policy import race
    seller, buyer, c = active_contract()
    path = f"/v1/contracts/{c['id']}/registration"
    record(seller[0], c["id"], {"status": "submitted"})
    statuses = race(seller[0], path, [
        {"status": "registered", "registration_number": "3703032026000777", "registered_on": "2026-05-01"},
        {"status": "registered", "registration_number": "3703032026000888", "registered_on": "2026-05-02"},
        {"status": "rejected"}])
    assert sorted(statuses) == [200, 409, 409], statuses
    rows = psql(f"SELECT count(*) FROM audit_log WHERE object_id = '{c['id']}'"
                f" AND action IN ('registration.register', 'registration.reject')")
    assert rows == [["1"]], rows
