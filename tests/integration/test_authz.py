"""Authorization matrix: every route of the route tables (`struct route NAME[]` in
modules/*/*.c) against five actors, each with the status it must get.

The actors, for the object a route is probed on:
  owner      a member (owner role) of the object's own organization
  other      the owner of another verified organization of the same kind
  admin      a platform admin (no organization)
  anon       no Authorization header
  suspended  the object's own organization after an admin suspended it, with the very
             token the owner used (its session is un-revoked in the database, so only the
             organization's status can keep it out)

Allowed writes are probed so that they change nothing: they fail after the authorization
check on a fact only the handler knows (409 for the object's state, 428 without If-Match,
422 for a mode the listing does not offer or a payment in the future) or are idempotent
(a second confirm, a verify of a verified organization). Every refusal (401, 403, 404)
must be an RFC 9457 problem without ETag or Location that carries none of the object's
data: no id but those in the request path, no title, amount, name, e-mail, message,
reference, digest or hash of the fixtures (all distinctive Chinese text and numbers).
MATRIX must name every route of the route tables and nothing else."""

import hashlib
import json
import time
import urllib.parse

import check_spec
import harness
from common import main_server
from harness import (admin_token, give_credit_code, login, psql, register, test,
                     unique_email)

ACTORS = ("owner", "other", "admin", "anon", "suspended")
REFUSALS = (401, 403, 404)

U_NAME = "授权矩阵·鲁中赤泥理工大学"
E_NAME = "授权矩阵·淄博金岭赤泥建材有限公司"
U2_NAME = "授权矩阵·旁观者工业大学"
E2_NAME = "授权矩阵·旁观者环保科技有限公司"
INVENTORS = ["司马赤泥", "欧阳授权"]
SUSPEND_REASON = "授权矩阵：资质材料待核查（内部原因，不公开）"
BID_MESSAGE = "授权矩阵：金岭公司报价留言，年产赤泥路基材料三十万吨（保密）"


def C(obj, party, statuses, body=None, allowed_body=None, query="", headers=None,
      fresh=False, hide=None, show=None):
    """One probe: the fixture object whose id fills {id} (None: no object), the party
    that owns it for this route ("u" the university, "e" the enterprise), the status
    for each of ACTORS (None: not probed), the body (a callable gets the fixture), the
    body for the actors that are let through if it differs, a query string, headers,
    fresh: every actor uses a token of its own (logout), hide: {actor or "*": secret
    names} that must not appear in a 2xx answer, show: the same for names that must
    appear (so that hiding them from the others means something)."""
    assert len(statuses) == len(ACTORS)
    return {"obj": obj, "party": party, "expect": dict(zip(ACTORS, statuses)), "body": body,
            "allowed_body": allowed_body, "query": query, "headers": headers or {},
            "fresh": fresh, "hide": hide or {}, "show": show or {}}


def fresh_registration(fx):
    return {"email": unique_email("authz-probe"), "password": harness.PASSWORD,
            "display_name": "授权矩阵探针用户",
            "organization": {"name": "授权矩阵·注册探针研究院", "kind": "research_institute"}}


def new_listing(fx):
    return listing_body("授权矩阵·探针新建的草稿", 11223344)


HIDDEN_LISTINGS = ("listing_d", "title_d", "listing_r", "title_r", "listing_w", "title_w")
HIDDEN_BIDS = ("bid_b", "bid_w", "amount_b", "amount_w", "message_b")
HIDDEN_CONTRACTS = ("contract_a", "contract_d", "contract_t", "digest_a", "digest_d")
PROBE_BID = {"amount_fen": 1000, "transaction_mode": "assignment",
             "message": "授权矩阵：探针出价（本挂牌不提供转让）"}
OVERLAPPING_REPORT = {"period_start": "2025-02-01", "period_end": "2025-02-28",
                      "gross_sales_fen": 1, "waste_utilized_tonnes": 0}
FUTURE_PAYMENT = {"amount_fen": 1, "kind": "royalty", "paid_at": "2099-01-01T00:00:00Z",
                  "reference": "授权矩阵·未来的付款探针"}
REASON = {"reason": "授权矩阵：越权操作探针"}
DISPUTE_SUBJECT = "授权矩阵·赤泥陶粒质量争议（保密）"
DISPUTE_MESSAGE = "授权矩阵：第三批陶粒筒压强度不足，要求复检（保密）"
PROBE_DISPUTE = {"subject": "授权矩阵·探针争议", "message": "授权矩阵：越权开启争议的探针"}
PROBE_MESSAGE = {"body": "授权矩阵：越权留言探针"}
PROBE_RESOLVE = {"outcome": "settled", "reason": "授权矩阵：越权裁决探针"}
PROBE_WEBHOOK = {"url": "http://127.0.0.1/授权矩阵", "events": ["*"]}
PROBE_PAYMENT_RESOLVE = {"outcome": "void", "reason": "授权矩阵：越权作废探针"}
NOTICE_BODY = {"days": 15, "objection_procedure": "授权矩阵：异议请于公示期内实名书面提出。"}
GROUNDS = {"grounds": "授权矩阵：探针异议（价格偏低）"}
DECISION = {"outcome": "dismissed", "reason": "授权矩阵：越权裁决探针"}
FILER = ("filer_name", "filer_org")
NEED_TITLE_D = "授权矩阵·金岭赤泥堆场草稿需求（未公开）"
STREAM_NAME_S = "授权矩阵·金岭氧化铝厂赤泥（不公开）"
PROPOSAL_MESSAGE = "授权矩阵：鲁中理工赤泥路基方案报价留言（保密）"
HIDDEN_NEEDS = ("need_d", "need_title_d")
HIDDEN_STREAMS = ("stream_s", "stream_name_s")
PROBE_PROPOSAL = lambda fx: {"listing_id": fx.ids["listing_q"], "amount_fen": 1,  # noqa: E731
                             "transaction_mode": "non_exclusive_license"}
PROBE_ENTRY = {"period": "2020-01", "generated_kg": 5}
PROBE_CONFIRM = {"received_kg": 1}


def need_body(title):
    return {"title": title, "description": "授权矩阵测试：赤泥建材化利用技术需求。",
            "domain": "red_mud_building_materials", "waste_codes": ["321001S09"],
            "annual_tonnes": 120000, "target_trl": 6}


def stream_body(name, public):
    return {"name": name, "waste_code": "321001S09", "industry_code": "C3216",
            "form": "slurry", "components": ["赤泥"], "annual_tonnes": 500000, "public": public}
PDF = b"%PDF-1.4\n%authz\n%%EOF\n"
CONVERSATION = ("conv_x", "conv_msg")
PROBE_OPEN = {"message": "授权矩阵：越权开启会话的探针"}

# (METHOD, path pattern) -> probe; statuses in ACTORS order:
#                              owner other admin anon suspended
MATRIX = {
    # accounts and organizations
    ("POST", "/v1/auth/register"): C(None, "u", (201, 201, 201, 201, 201), body=fresh_registration),
    ("POST", "/v1/auth/login"): C(None, "u", (200, 200, 200, 200, 200),
                                  body=lambda fx: {"email": fx.emails["e2"],
                                                   "password": harness.PASSWORD}),
    ("POST", "/v1/auth/logout"): C(None, "u", (204, 204, 204, 401, 401), fresh=True),
    ("GET", "/v1/me"): C(None, "u", (200, 200, 200, 401, 401),
                         hide={"other": ("email_u", "name_u")}),
    ("GET", "/v1/orgs/{id}"): C("org_u", "u", (200, 200, 200, 200, 200),
                                hide={"*": ("email_u", "display_u", "suspend_reason")},
                                show={"*": ("name_u",)}),
    # the profile is public: a non-manager's edit is a 403, not a 404 (nothing to hide)
    ("PATCH", "/v1/orgs/{id}"): C("org_u", "u", (428, 403, 403, 401, 401),
                                  body={"description": "授权矩阵：越权修改的简介"}),
    ("GET", "/v1/admin/orgs"): C(None, "u", (403, 403, 200, 401, 401)),
    ("PATCH", "/v1/admin/orgs/{id}"): C("org_u", "u", (403, 403, 422, 401, 401),
                                        body={"description": "授权矩阵：越权修改的简介",
                                              "reason": "授权矩阵：越权操作探针"},
                                        allowed_body={"description": "没有理由的修改"}),
    ("POST", "/v1/admin/orgs/{id}/verify"): C("org_u", "u", (403, 403, 200, 401, 401)),
    ("POST", "/v1/admin/orgs/{id}/suspend"): C("org_u", "u", (403, 403, 422, 401, 401),
                                               body={"reason": "授权矩阵：不应生效的暂停"},
                                               allowed_body={}),
    # teams, passwords, earnings: {user_id} is the owner of the object's organization
    ("POST", "/v1/orgs/{id}/invitations"): C("org_u", "u", (422, 404, 404, 401, 401),
                                             body={"email": "authz-probe@example.cn",
                                                   "role": "member"}, allowed_body={}),
    ("GET", "/v1/orgs/{id}/invitations"): C("org_u", "u", (200, 404, 200, 401, 401)),
    ("DELETE", "/v1/orgs/{id}/invitations/{invitation_id}"): C("org_u", "u",
                                                               (404, 404, 404, 401, 401)),
    ("POST", "/v1/invitations/accept"): C(None, "u", (422, 422, 422, 401, 401),
                                          body={"token": "授权矩阵探针邀请码"}),
    ("GET", "/v1/orgs/{id}/members"): C("org_u", "u", (200, 404, 200, 401, 401),
                                        show={"owner": ("email_u", "display_u")}),
    ("PATCH", "/v1/orgs/{id}/members/{user_id}"): C("org_u", "u", (200, 404, 404, 401, 401),
                                                    body={"role": "member"},
                                                    allowed_body={"role": "owner"}),
    ("DELETE", "/v1/orgs/{id}/members/{user_id}"): C("org_u", "u", (409, 404, 404, 401, 401)),
    ("POST", "/v1/auth/password"): C(None, "u", (422, 422, 422, 401, 401),
                                     body={"current_password": "x", "new_password": "short"}),
    ("POST", "/v1/auth/password-reset"): C(None, "u", (202, 202, 202, 202, 202),
                                           body={"email": "authz-nobody@example.cn"}),
    ("POST", "/v1/auth/password-reset/confirm"): C(None, "u", (422, 422, 422, 422, 422),
                                                   body={"token": "授权矩阵探针重置码",
                                                         "new_password": "赤泥-授权矩阵-新口令"}),
    ("GET", "/v1/me/earnings"): C(None, "u", (200, 200, 200, 401, 401)),
    # listings
    ("POST", "/v1/listings"): C(None, "u", (201, 201, 403, 401, 401), body=new_listing),
    ("GET", "/v1/listings"): C(None, "u", (200, 200, 200, 200, 200),
                               query=lambda fx: f"?org_id={fx.ids['org_u']}&limit=100",
                               hide={"*": HIDDEN_LISTINGS}, show={"*": ("listing_p",)}),
    ("GET", "/v1/listings/{id}"): C("listing_d", "u", (200, 404, 200, 404, 401)),
    ("PATCH", "/v1/listings/{id}"): C("listing_d", "u", (428, 404, 403, 401, 401),
                                      body={"title": "授权矩阵·越权改名"}),
    ("POST", "/v1/listings/{id}/submit"): C("listing_r", "u", (409, 404, 403, 401, 401)),
    ("POST", "/v1/listings/{id}/withdraw"): C("listing_w", "u", (409, 404, 403, 401, 401)),
    ("POST", "/v1/listings/{id}/retract"): C("listing_d", "u", (409, 404, 403, 401, 401)),
    ("GET", "/v1/orgs/{id}/listings"): C("org_u", "u", (200, 404, 200, 401, 401),
                                         hide={"other": HIDDEN_LISTINGS},
                                         show={"owner": HIDDEN_LISTINGS}),
    ("GET", "/v1/admin/moderation-queue"): C(None, "u", (403, 403, 200, 401, 401)),
    ("POST", "/v1/admin/listings/{id}/approve"): C("listing_d", "u", (403, 403, 409, 401, 401)),
    ("POST", "/v1/admin/listings/{id}/reject"): C("listing_d", "u", (403, 403, 409, 401, 401),
                                                  body=REASON),
    # bids
    ("POST", "/v1/listings/{id}/bids"): C("listing_p", "u", (403, 422, 403, 401, 401),
                                          body=PROBE_BID),
    ("GET", "/v1/listings/{id}/bids"): C("listing_p", "u", (200, 200, 200, 401, 401),
                                         hide={"other": HIDDEN_BIDS},
                                         show={"owner": HIDDEN_BIDS, "admin": HIDDEN_BIDS}),
    ("GET", "/v1/bids"): C(None, "u", (200, 200, 200, 401, 401), query="?role=received",
                           hide={"other": HIDDEN_BIDS, "admin": HIDDEN_BIDS},
                           show={"owner": HIDDEN_BIDS}),
    ("GET", "/v1/bids/{id}"): C("bid_b", "e", (200, 404, 200, 401, 401)),
    ("POST", "/v1/bids/{id}/counter"): C("bid_w", "u", (409, 404, 403, 401, 401),
                                         body={"amount_fen": 1, "message": "授权矩阵·越权还价"}),
    ("POST", "/v1/bids/{id}/withdraw"): C("bid_w", "e", (409, 404, 403, 401, 401)),
    ("POST", "/v1/bids/{id}/reject"): C("bid_w", "u", (409, 404, 403, 401, 401)),
    ("POST", "/v1/bids/{id}/accept"): C("bid_w", "u", (409, 404, 403, 401, 401)),
    # contracts
    ("GET", "/v1/contracts"): C(None, "u", (200, 200, 200, 401, 401),
                                hide={"other": HIDDEN_CONTRACTS},
                                show={"owner": ("contract_a", "contract_d", "contract_t")}),
    ("GET", "/v1/contracts/{id}"): C("contract_a", "u", (200, 404, 200, 401, 401)),
    ("PATCH", "/v1/contracts/{id}"): C("contract_d", "u", (428, 404, 403, 401, 401),
                                       body={"terms": {"territory": "授权矩阵·越权地域"}}),
    ("POST", "/v1/contracts/{id}/sign"): C("contract_d", "u", (409, 404, 403, 401, 401),
                                           body={"digest": "0" * 64}),
    ("POST", "/v1/contracts/{id}/terminate"): C("contract_t", "u", (409, 404, 409, 401, 401),
                                                body=REASON),
    ("GET", "/v1/contracts/{id}/document"): C("contract_a", "u", (200, 404, 200, 401, 401)),
    ("GET", "/v1/contracts/{id}/registration"): C("contract_a", "u", (200, 404, 200, 401, 401)),
    ("POST", "/v1/contracts/{id}/registration"): C("contract_a", "u", (409, 404, 403, 401, 401),
                                                   body={"status": "registered",
                                                         "registration_number": "3703032026000123",
                                                         "registered_on": "2026-03-01"}),
    # public notices: anyone reads them, the filer of an objection only the licensor and
    # admins see; allowed writes are probed with a body that fails validation
    ("POST", "/v1/contracts/{id}/notice"): C("contract_d", "u", (409, 404, 403, 401, 401),
                                             body=NOTICE_BODY),
    ("GET", "/v1/notices"): C(None, "u", (200, 200, 200, 200, 401),
                              query=lambda fx: f"?contract_id={fx.ids['contract_n']}",
                              hide={"other": FILER, "anon": FILER},
                              show={"owner": FILER, "admin": FILER}),
    ("GET", "/v1/notices/{id}"): C("notice_n", "u", (200, 200, 200, 200, 401),
                                   hide={"other": FILER, "anon": FILER},
                                   show={"owner": FILER, "admin": FILER}),
    ("POST", "/v1/notices/{id}/objections"): C("notice_n", "u", (403, 422, 403, 401, 401),
                                               body=GROUNDS, allowed_body={}),
    ("POST", "/v1/objections/{id}/decide"): C("objection_n", "u", (422, 403, 422, 401, 401),
                                              body=DECISION,
                                              allowed_body={"outcome": "dismissed"}),
    # revenue
    ("POST", "/v1/contracts/{id}/royalty-reports"): C("contract_a", "e",
                                                      (409, 404, 403, 401, 401),
                                                      body=OVERLAPPING_REPORT),
    ("GET", "/v1/contracts/{id}/royalty-reports"): C("contract_a", "e",
                                                     (200, 404, 200, 401, 401)),
    ("POST", "/v1/contracts/{id}/payments"): C("contract_a", "e", (422, 404, 403, 401, 401),
                                               body=FUTURE_PAYMENT),
    ("GET", "/v1/contracts/{id}/payments"): C("contract_a", "e", (200, 404, 200, 401, 401)),
    ("GET", "/v1/payments/{id}"): C("payment_y", "e", (200, 404, 200, 401, 401)),
    ("POST", "/v1/payments/{id}/confirm"): C("payment_y", "u", (200, 404, 403, 401, 401)),
    ("POST", "/v1/payments/{id}/dispute"): C("payment_y", "u", (409, 404, 403, 401, 401),
                                             body=REASON),
    ("POST", "/v1/payments/{id}/reverse"): C("payment_r", "u", (409, 404, 403, 401, 401),
                                             body=REASON),
    ("GET", "/v1/contracts/{id}/ledger"): C("contract_a", "u", (200, 404, 200, 401, 401)),
    ("GET", "/v1/contracts/{id}/ledger/verify"): C("contract_a", "u",
                                                   (200, 404, 200, 401, 401)),
    ("GET", "/v1/orgs/{id}/statement"): C("org_u", "u", (200, 404, 200, 401, 401)),
    # the deal desk: holds, payment resolve, disputes
    ("POST", "/v1/admin/contracts/{id}/hold"): C("contract_t", "u", (403, 403, 409, 401, 401),
                                                 body=REASON),
    ("POST", "/v1/admin/contracts/{id}/release"): C("contract_a", "u",
                                                    (403, 403, 409, 401, 401), body=REASON),
    ("POST", "/v1/admin/payments/{id}/resolve"): C("payment_y", "u", (403, 403, 409, 401, 401),
                                                   body=PROBE_PAYMENT_RESOLVE),
    ("POST", "/v1/contracts/{id}/disputes"): C("contract_a", "e", (422, 404, 403, 401, 401),
                                               body=PROBE_DISPUTE, allowed_body={}),
    ("GET", "/v1/contracts/{id}/disputes"): C("contract_a", "u", (200, 404, 200, 401, 401),
                                              show={"owner": ("dispute_x", "subject_x"),
                                                    "admin": ("dispute_x",)}),
    ("GET", "/v1/disputes/{id}"): C("dispute_x", "e", (200, 404, 200, 401, 401),
                                    show={"owner": ("message_x",), "admin": ("message_x",)}),
    ("POST", "/v1/disputes/{id}/messages"): C("dispute_x", "u", (422, 404, 422, 401, 401),
                                              body=PROBE_MESSAGE, allowed_body={}),
    ("POST", "/v1/admin/disputes/{id}/resolve"): C("dispute_x", "u", (403, 403, 422, 401, 401),
                                                   body=PROBE_RESOLVE, allowed_body={}),
    ("GET", "/v1/admin/deals"): C(None, "u", (403, 403, 200, 401, 401)),
    # events: the inbox is each user's own; webhooks are for the organization's owner and
    # admins ({wid} and {did} name none here: 404 once let through)
    ("GET", "/v1/notifications"): C(None, "u", (200, 200, 200, 401, 401)),
    ("POST", "/v1/notifications/read"): C(None, "u", (422, 422, 422, 401, 401),
                                          body={"up_to": "0"}),
    ("POST", "/v1/orgs/{id}/webhooks"): C("org_u", "u", (422, 404, 404, 401, 401),
                                          body=PROBE_WEBHOOK),
    ("GET", "/v1/orgs/{id}/webhooks"): C("org_u", "u", (200, 404, 404, 401, 401)),
    ("DELETE", "/v1/orgs/{id}/webhooks/{wid}"): C("org_u", "u", (404, 404, 404, 401, 401)),
    ("GET", "/v1/orgs/{id}/webhooks/{wid}/deliveries"): C("org_u", "u",
                                                          (404, 404, 404, 401, 401)),
    ("POST", "/v1/orgs/{id}/webhooks/{wid}/deliveries/{did}/retry"): C(
        "org_u", "u", (404, 404, 404, 401, 401)),
    # needs, proposals, matching, waste streams (e owns the needs and streams, u proposes
    # and receives)
    ("POST", "/v1/needs"): C(None, "e", (201, 201, 403, 401, 401),
                             body=lambda fx: need_body("授权矩阵·探针新建的需求草稿")),
    ("GET", "/v1/needs"): C(None, "e", (200, 200, 200, 200, 200),
                            query="?q=%E6%8E%88%E6%9D%83%E7%9F%A9%E9%98%B5&limit=100",
                            hide={"*": HIDDEN_NEEDS}, show={"*": ("need_p",)}),
    ("GET", "/v1/needs/{id}"): C("need_d", "e", (200, 404, 200, 404, 401)),
    ("PATCH", "/v1/needs/{id}"): C("need_d", "e", (428, 404, 403, 401, 401),
                                   body={"title": "授权矩阵·越权改名的需求"}),
    ("POST", "/v1/needs/{id}/submit"): C("need_r", "e", (409, 404, 403, 401, 401)),
    ("POST", "/v1/needs/{id}/withdraw"): C("need_w", "e", (409, 404, 403, 401, 401)),
    ("POST", "/v1/admin/needs/{id}/approve"): C("need_d", "e", (403, 403, 409, 401, 401)),
    ("POST", "/v1/admin/needs/{id}/reject"): C("need_d", "e", (403, 403, 409, 401, 401),
                                               body=REASON),
    ("GET", "/v1/orgs/{id}/needs"): C("org_e", "e", (200, 404, 200, 401, 401),
                                      show={"owner": HIDDEN_NEEDS, "admin": HIDDEN_NEEDS}),
    ("POST", "/v1/needs/{id}/proposals"): C("need_p", "e", (403, 422, 403, 401, 401),
                                            body=PROBE_PROPOSAL),
    ("GET", "/v1/needs/{id}/proposals"): C("need_p", "e", (200, 200, 200, 401, 401),
                                           hide={"other": ("proposal_p", "proposal_message")},
                                           show={"owner": ("proposal_p", "proposal_message"),
                                                 "admin": ("proposal_p",)}),
    ("POST", "/v1/proposals/{id}/accept"): C("proposal_a", "e", (409, 404, 403, 401, 401)),
    ("GET", "/v1/needs/{id}/matches"): C("need_p", "e", (200, 403, 200, 401, 401)),
    ("GET", "/v1/waste-streams/{id}/matches"): C("stream_s", "e", (200, 404, 200, 401, 401)),
    ("GET", "/v1/listings/{id}/matches"): C("listing_p", "u", (200, 403, 200, 401, 401)),
    ("GET", "/v1/domains"): C(None, "u", (200, 200, 200, 200, 200)),
    ("POST", "/v1/waste-streams"): C(None, "e", (201, 201, 403, 401, 401),
                                     body=lambda fx: stream_body("授权矩阵·探针新建的固废", False)),
    ("GET", "/v1/waste-streams"): C(None, "e", (200, 200, 200, 200, 401),
                                    query=lambda fx: f"?org_id={fx.ids['org_e']}&limit=100",
                                    hide={"other": HIDDEN_STREAMS, "anon": HIDDEN_STREAMS},
                                    show={"owner": HIDDEN_STREAMS, "admin": HIDDEN_STREAMS,
                                          "*": ("stream_pub",)}),
    ("GET", "/v1/waste-streams/{id}"): C("stream_s", "e", (200, 404, 200, 404, 401)),
    ("POST", "/v1/waste-streams/{id}/entries"): C("stream_s", "e", (422, 404, 403, 401, 401),
                                                  body=PROBE_ENTRY,
                                                  allowed_body={"period": "2099-01",
                                                                "generated_kg": 0}),
    ("GET", "/v1/waste-streams/{id}/trace"): C("stream_s", "e", (200, 404, 200, 404, 401),
                                               show={"owner": ("transfer_t",)}),
    ("POST", "/v1/waste-transfers/{id}/confirm"): C("transfer_t", "u", (422, 404, 403, 401, 401),
                                                    body=PROBE_CONFIRM, allowed_body={}),
    ("GET", "/v1/waste-transfers"): C(None, "u", (200, 200, 200, 401, 401),
                                      query="?role=received",
                                      hide={"other": ("transfer_t",)},
                                      show={"owner": ("transfer_t",)}),
    # platform
    ("GET", "/healthz"): C(None, "u", (200, 200, 200, 200, 200)),
    ("GET", "/readyz"): C(None, "u", (200, 200, 200, 200, 200)),
    ("GET", "/metrics"): C(None, "u", (403, 403, 403, 403, 403),
                           hide={"*": ("email_u", "title_d", "name_u", "org_u", "listing_d",
                                       "contract_a", "bid_b")}),
    ("GET", "/v1/stats"): C(None, "u", (200, 200, 200, 200, 200),
                            hide={"*": ("title_d", "name_u")}),
    ("GET", "/v1/admin/audit-log"): C(None, "u", (403, 403, 200, 401, 401)),
    # conversations: private to the two organizations (admins too get 404); allowed
    # writes are probed with a body that fails validation
    ("POST", "/v1/listings/{id}/conversations"): C("listing_p", "u", (422, 422, 403, 401, 401),
                                                   body=PROBE_OPEN, allowed_body={}),
    ("GET", "/v1/conversations"): C(None, "u", (200, 200, 200, 401, 401),
                                    hide={"other": CONVERSATION, "admin": CONVERSATION},
                                    show={"owner": CONVERSATION}),
    ("GET", "/v1/conversations/{id}"): C("conv_x", "u", (200, 404, 404, 401, 401),
                                         show={"owner": ("conv_msg",)}),
    ("GET", "/v1/conversations/{id}/messages"): C("conv_x", "u", (200, 404, 404, 401, 401),
                                                  show={"owner": ("conv_msg",)}),
    ("POST", "/v1/conversations/{id}/messages"): C("conv_x", "e", (422, 404, 404, 401, 401),
                                                   body=PROBE_MESSAGE, allowed_body={}),
    # attachments: seen as their parent; allowed uploads are probed with a JSON body (415)
    ("POST", "/v1/listings/{id}/attachments"): C("listing_p", "u", (415, 403, 403, 401, 401),
                                                 query="?filename=x.pdf",
                                                 body={"probe": "授权矩阵"}),
    ("GET", "/v1/listings/{id}/attachments"): C("listing_p", "u", (200, 200, 200, 200, 401),
                                                hide={"anon": ("att_v",)},
                                                show={"owner": ("att_p", "att_v"),
                                                      "other": ("att_v",),
                                                      "anon": ("att_p",)}),
    ("POST", "/v1/orgs/{id}/attachments"): C("org_u", "u", (415, 404, 403, 401, 401),
                                             query="?filename=x.pdf",
                                             body={"probe": "授权矩阵"}),
    ("GET", "/v1/orgs/{id}/attachments"): C("org_u", "u", (200, 404, 200, 401, 401),
                                            show={"owner": ("att_o",), "admin": ("att_o",)}),
    ("POST", "/v1/contracts/{id}/attachments"): C("contract_a", "u", (415, 404, 403, 401, 401),
                                                  query="?filename=x.pdf",
                                                  body={"probe": "授权矩阵"}),
    ("GET", "/v1/contracts/{id}/attachments"): C("contract_a", "u", (200, 404, 200, 401, 401),
                                                 show={"owner": ("att_c",)}),
    ("GET", "/v1/attachments/{id}"): C("att_o", "u", (200, 404, 200, 404, 401)),
    ("DELETE", "/v1/attachments/{id}"): C("att_c", "e", (409, 404, 403, 401, 401)),
}

# The same routes on objects in other states and from the other party's side. None: the
# actor is not probed (it would really change the object).
VARIANTS = [
    (("GET", "/v1/listings/{id}"), C("listing_p", "u", (200, 200, 200, 200, 401))),
    (("GET", "/v1/listings/{id}"), C("listing_r", "u", (200, 404, 200, 404, 401))),
    (("GET", "/v1/listings/{id}"), C("listing_w", "u", (200, 404, 200, 404, 401))),
    (("GET", "/v1/listings/{id}/bids"), C("listing_d", "u", (200, 404, 200, 401, 401))),
    (("PATCH", "/v1/listings/{id}"), C("listing_p", "u", (428, 403, 403, 401, 401),
                                       body={"title": "授权矩阵·越权改名"})),
    (("POST", "/v1/listings/{id}/submit"), C("listing_d", "u", (None, 404, 403, 401, 401))),
    (("POST", "/v1/listings/{id}/withdraw"), C("listing_p", "u",
                                               (None, 403, 403, 401, 401))),
    (("POST", "/v1/listings/{id}/retract"), C("listing_r", "u", (None, 404, 403, 401, 401))),
    (("PATCH", "/v1/listings/{id}"), C("listing_r", "u", (428, 404, 403, 401, 401),
                                       body={"title": "授权矩阵·越权改名"})),
    (("POST", "/v1/listings/{id}/bids"), C("listing_d", "u", (403, 404, 403, 401, 401),
                                           body=PROBE_BID)),
    (("GET", "/v1/bids/{id}"), C("bid_b", "u", (200, 404, 200, 401, 401))),
    (("POST", "/v1/bids/{id}/counter"), C("bid_b", "u", (None, 404, 403, 401, 401),
                                          body={"amount_fen": 1, "message": "授权矩阵·越权还价"})),
    (("POST", "/v1/bids/{id}/withdraw"), C("bid_b", "e", (None, 404, 403, 401, 401))),
    (("POST", "/v1/bids/{id}/reject"), C("bid_b", "u", (None, 404, 403, 401, 401))),
    (("POST", "/v1/bids/{id}/accept"), C("bid_b", "u", (None, 404, 403, 401, 401))),
    (("GET", "/v1/contracts/{id}"), C("contract_d", "e", (200, 404, 200, 401, 401))),
    (("PATCH", "/v1/contracts/{id}"), C("contract_a", "e", (428, 404, 403, 401, 401),
                                        body={"terms": {"territory": "授权矩阵·越权地域"}})),
    (("POST", "/v1/contracts/{id}/sign"), C("contract_d", "e", (409, 404, 403, 401, 401),
                                            body={"digest": "0" * 64})),
    (("POST", "/v1/contracts/{id}/terminate"), C("contract_a", "u",
                                                 (None, 404, None, 401, 401), body=REASON)),
    (("POST", "/v1/contracts/{id}/notice"), C("contract_n", "u", (409, 404, 403, 401, 401),
                                              body=NOTICE_BODY)),
    (("POST", "/v1/contracts/{id}/notice"), C("contract_n", "e", (403, 404, 403, 401, 401),
                                              body=NOTICE_BODY)),
    (("GET", "/v1/notices/{id}"), C("notice_n", "e", (200, 200, 200, 200, 401),
                                    hide={"owner": FILER, "other": FILER},
                                    show={"admin": FILER})),
    (("POST", "/v1/notices/{id}/objections"), C("notice_n", "e", (403, 422, 403, 401, 401),
                                                body=GROUNDS, allowed_body={})),
    (("POST", "/v1/objections/{id}/decide"), C("objection_n", "e", (403, 403, 422, 401, 401),
                                               body=DECISION,
                                               allowed_body={"outcome": "dismissed"})),
    (("GET", "/v1/contracts/{id}/document"), C("contract_d", "e",
                                               (200, 404, 200, 401, 401))),
    (("GET", "/v1/contracts/{id}/registration"), C("contract_a", "e", (200, 404, 200, 401, 401),
                                                   headers={"Accept": "text/csv"})),
    (("POST", "/v1/contracts/{id}/registration"), C("contract_a", "e",
                                                    (403, 404, 403, 401, 401),
                                                    body={"status": "submitted"})),
    (("POST", "/v1/contracts/{id}/registration"), C("contract_d", "u",
                                                    (409, 404, 403, 401, 401),
                                                    body={"status": "submitted"})),
    (("POST", "/v1/contracts/{id}/royalty-reports"), C("contract_a", "u",
                                                       (403, 404, 403, 401, 401),
                                                       body=OVERLAPPING_REPORT)),
    (("POST", "/v1/contracts/{id}/royalty-reports"), C("contract_d", "e",
                                                       (409, 404, 403, 401, 401),
                                                       body=OVERLAPPING_REPORT)),
    (("POST", "/v1/contracts/{id}/payments"), C("contract_a", "u", (403, 404, 403, 401, 401),
                                                body=FUTURE_PAYMENT)),
    (("GET", "/v1/payments/{id}"), C("payment_r", "u", (200, 404, 200, 401, 401))),
    (("POST", "/v1/payments/{id}/confirm"), C("payment_y", "e", (403, 404, 403, 401, 401))),
    (("POST", "/v1/payments/{id}/confirm"), C("payment_r", "u", (None, 404, 403, 401, 401))),
    (("GET", "/v1/contracts/{id}/ledger"), C("contract_d", "e", (200, 404, 200, 401, 401))),
    (("GET", "/v1/orgs/{id}/statement"), C("org_e", "e", (200, 404, 200, 401, 401))),
    (("POST", "/v1/admin/contracts/{id}/hold"), C("contract_a", "e",
                                                  (403, 403, None, 401, 401), body=REASON)),
    (("POST", "/v1/admin/contracts/{id}/release"), C("contract_a", "e",
                                                     (403, 403, None, 401, 401), body=REASON)),
    (("POST", "/v1/admin/payments/{id}/resolve"), C("payment_y", "e",
                                                    (403, 403, None, 401, 401),
                                                    body=PROBE_PAYMENT_RESOLVE)),
    (("POST", "/v1/contracts/{id}/disputes"), C("contract_a", "u", (422, 404, 403, 401, 401),
                                                body=PROBE_DISPUTE, allowed_body={})),
    (("POST", "/v1/contracts/{id}/disputes"), C("contract_d", "e", (422, 404, 403, 401, 401),
                                                body=PROBE_DISPUTE, allowed_body={})),
    (("GET", "/v1/contracts/{id}/disputes"), C("contract_a", "e", (200, 404, 200, 401, 401))),
    (("GET", "/v1/disputes/{id}"), C("dispute_x", "u", (200, 404, 200, 401, 401))),
    (("POST", "/v1/disputes/{id}/messages"), C("dispute_x", "e", (422, 404, 422, 401, 401),
                                               body=PROBE_MESSAGE, allowed_body={})),
    (("POST", "/v1/admin/disputes/{id}/resolve"), C("dispute_x", "e",
                                                    (403, 403, 422, 401, 401),
                                                    body=PROBE_RESOLVE, allowed_body={})),
    (("GET", "/v1/orgs/{id}/statement"), C("org_u", "u", (200, 404, 200, 401, 401),
                                           headers={"Accept": "text/csv"},
                                           show={"owner": ("payment_y",)})),
    (("GET", "/v1/needs/{id}"), C("need_p", "e", (200, 200, 200, 200, 401))),
    (("GET", "/v1/needs/{id}"), C("need_w", "e", (200, 404, 200, 404, 401))),
    (("POST", "/v1/needs/{id}/submit"), C("need_p", "e", (409, 403, 403, 401, 401))),
    (("GET", "/v1/needs/{id}/proposals"), C("need_d", "e", (200, 404, 200, 401, 401))),
    (("GET", "/v1/needs/{id}/proposals"), C("need_p", "u", (200, 200, 200, 401, 401),
                                            show={"owner": ("proposal_p",)},
                                            hide={"other": ("proposal_p",)})),
    (("POST", "/v1/proposals/{id}/accept"), C("proposal_p", "u", (403, 404, 403, 401, 401))),
    (("GET", "/v1/needs/{id}/matches"), C("need_d", "e", (200, 404, 200, 401, 401))),
    (("GET", "/v1/waste-streams/{id}/matches"), C("stream_pub", "e",
                                                  (200, 403, 200, 401, 401))),
    (("GET", "/v1/listings/{id}/matches"), C("listing_d", "u", (200, 404, 200, 401, 401))),
    (("GET", "/v1/waste-streams/{id}"), C("stream_pub", "e", (200, 200, 200, 200, 401))),
    (("POST", "/v1/waste-streams/{id}/entries"), C("stream_pub", "e",
                                                   (422, 403, 403, 401, 401), body=PROBE_ENTRY,
                                                   allowed_body={"period": "2099-01",
                                                                 "generated_kg": 0})),
    (("POST", "/v1/waste-transfers/{id}/confirm"), C("transfer_t", "e",
                                                     (403, 404, 403, 401, 401),
                                                     body=PROBE_CONFIRM)),
    (("GET", "/v1/waste-transfers"), C(None, "e", (200, 200, 200, 401, 401), query="?role=sent",
                                       show={"owner": ("transfer_t",)},
                                       hide={"other": ("transfer_t",)})),
    (("GET", "/v1/listings/{id}/attachments"), C("listing_d", "u",
                                                 (200, 404, 200, 404, 401))),
    (("GET", "/v1/attachments/{id}"), C("att_p", "u", (200, 200, 200, 200, 401))),
    (("GET", "/v1/attachments/{id}"), C("att_v", "u", (200, 200, 200, 404, 401))),
    (("GET", "/v1/attachments/{id}"), C("att_d", "u", (200, 404, 200, 404, 401))),
    (("GET", "/v1/attachments/{id}"), C("att_c", "e", (200, 404, 200, 404, 401))),
    (("GET", "/v1/attachments/{id}"), C("att_c", "u", (200, 404, 200, 404, 401))),
    (("DELETE", "/v1/attachments/{id}"), C("att_p", "u", (None, 403, 403, 401, 401))),
    (("GET", "/v1/conversations/{id}"), C("conv_x", "e", (200, 404, 404, 401, 401))),
    (("POST", "/v1/conversations/{id}/messages"), C("conv_x", "u", (422, 404, 404, 401, 401),
                                                    body=PROBE_MESSAGE, allowed_body={})),
    (("POST", "/v1/listings/{id}/conversations"), C("listing_d", "u",
                                                    (422, 404, 403, 401, 401),
                                                    body=PROBE_OPEN, allowed_body={})),
]


def listing_body(title, asking, modes=("exclusive_license", "non_exclusive_license")):
    return {
        "kind": "patent",
        "title": title,
        "summary": "以拜耳法赤泥为主要原料制备道路基层材料（授权矩阵测试数据）。",
        "description": "赤泥、粉煤灰与少量水泥复合制备路基材料。\n仅供授权矩阵测试。",
        "domain": "red_mud_building_materials",
        "tags": ["赤泥", "授权矩阵"],
        "trl": 6,
        "transaction_modes": list(modes),
        "pricing": {"mode": "negotiable", "asking_price_fen": asking},
        "patent": {"number": "ZL 2017 1060 1862.3", "type": "invention",
                   "legal_status": "granted", "filing_date": "2017-07-21",
                   "grant_date": "2019-11-05", "expiry_date": "2037-07-20",
                   "ipc": ["C04B 18/04"], "inventors": INVENTORS},
    }


class Fixture:
    """Four verified organizations (u the licensor university, e the licensee
    enterprise, u2 and e2 bystanders of the same kinds), an admin, and one object of
    each kind and state the routes need, all owned by u and e."""

    def __init__(self, srv):
        self.s = srv
        self.ids = {}
        self.secrets = {}
        self.tokens = {}
        self.spare = {}
        self.emails = {}
        self.admin = admin_token(srv)

    def call(self, method, path, body=None, token=None, expect=200, headers=None):
        r = self.s.request(method, path, body, token=token, headers=headers)
        assert r.status == expect, (method, path, r)
        return r.json() if r.body else None

    def keep(self, name, value):
        self.secrets[name] = str(value)
        return value

    def org(self, party, kind, name, display):
        data, body = register(self.s, kind=kind, name=name, display_name=display)
        org, user = data["organization"], data["user"]
        give_credit_code(self.s, org["id"])
        self.call("POST", f"/v1/admin/orgs/{org['id']}/verify", token=self.admin)
        self.ids[f"org_{party}"] = org["id"]
        self.emails[party] = body["email"]
        self.tokens[party] = login(self.s, body["email"])["token"]
        if party in ("u", "e"):
            self.spare[party] = login(self.s, body["email"])["token"]
            self.keep(f"org_{party}", org["id"])
            self.keep(f"user_{party}", user["id"])
            self.keep(f"name_{party}", name)
            self.keep(f"email_{party}", body["email"])
            self.keep(f"display_{party}", display)

    def listing(self, name, title, asking, to="published"):
        tok = self.tokens["u"]
        lid = self.call("POST", "/v1/listings", listing_body(title, asking), token=tok,
                        expect=201)["id"]
        self.ids[name] = self.keep(name, lid)
        self.keep("title_" + name.split("_")[1], title)
        self.keep("asking_" + name.split("_")[1], asking)
        if to == "withdrawn":
            self.call("POST", f"/v1/listings/{lid}/withdraw", token=tok)
        if to in ("pending_review", "published"):
            self.call("POST", f"/v1/listings/{lid}/submit", token=tok)
        if to == "published":
            self.call("POST", f"/v1/admin/listings/{lid}/approve", token=self.admin)
        return lid

    def bid(self, name, lid, amount, mode="exclusive_license", message=BID_MESSAGE):
        b = self.call("POST", f"/v1/listings/{lid}/bids",
                      {"amount_fen": amount, "transaction_mode": mode, "message": message,
                       "terms": {"royalty_bp": 300, "term_months": 60,
                                 "territory": "山东省", "field_of_use": "道路基层材料"}},
                      token=self.tokens["e"], expect=201)
        self.ids[name] = self.keep(name, b["id"])
        self.keep("amount_" + name.split("_")[1], amount)
        return b["id"]

    def contract(self, name, bid_id):
        c = self.call("POST", f"/v1/bids/{bid_id}/accept", token=self.tokens["u"],
                      expect=201)["contract"]
        self.ids[name] = self.keep(name, c["id"])
        return c

    def sign(self, party, cid):
        digest = self.call("GET", f"/v1/contracts/{cid}", token=self.tokens[party])["digest"]
        return self.call("POST", f"/v1/contracts/{cid}/sign", {"digest": digest},
                         token=self.tokens[party])


def build():
    fx = Fixture(main_server())
    fx.org("u", "university", U_NAME, "授权矩阵·诸葛教授")
    fx.org("e", "enterprise", E_NAME, "授权矩阵·上官经理")
    fx.org("u2", "university", U2_NAME, "授权矩阵·旁观者甲")
    fx.org("e2", "enterprise", E2_NAME, "授权矩阵·旁观者乙")
    for i, name in enumerate(INVENTORS):
        fx.keep(f"inventor_{i}", name)
    fx.keep("message_b", BID_MESSAGE)
    fx.keep("suspend_reason", SUSPEND_REASON)

    fx.listing("listing_d", "授权矩阵·赤泥免烧砖草稿专利（未公开）", 61728394, to="draft")
    fx.listing("listing_r", "授权矩阵·赤泥脱碱待审专利（未公开）", 62839405, to="pending_review")
    fx.listing("listing_w", "授权矩阵·赤泥提铁已撤回专利（未公开）", 63940516, to="withdrawn")
    p = fx.listing("listing_p", "授权矩阵·赤泥路基材料公开专利", 73519246)
    a = fx.listing("listing_a", "授权矩阵·赤泥陶粒生效合同专利", 74620357)
    d = fx.listing("listing_c", "授权矩阵·赤泥胶凝材料合同草案专利", 75731468)
    t = fx.listing("listing_t", "授权矩阵·赤泥土壤改良终止合同专利", 76842579)

    # on the published listing: a withdrawn offer and an open one, both from e
    w = fx.bid("bid_w", p, 25371406, mode="non_exclusive_license")
    fx.call("POST", f"/v1/bids/{w}/withdraw", token=fx.tokens["e"])
    fx.bid("bid_b", p, 26483517)

    # an active exclusive licence with a royalty report, a confirmed and a reported payment
    ca = fx.contract("contract_a", fx.bid("bid_a", a, 41234567))
    r = fx.s.request("GET", f"/v1/contracts/{ca['id']}", token=fx.tokens["u"])
    fx.call("PATCH", f"/v1/contracts/{ca['id']}",
            {"terms": {"term_start": "2025-01-01", "term_end": "2029-12-31",
                       "minimum_annual_royalty_fen": 5000000,
                       "territory": "授权矩阵·山东省淄博市"}},
            token=fx.tokens["u"], headers={"If-Match": r.header("ETag")})
    fx.sign("u", ca["id"])
    ca = fx.sign("e", ca["id"])
    assert ca["status"] == "active", ca
    fx.keep("digest_a", ca["digest"])
    rep = fx.call("POST", f"/v1/contracts/{ca['id']}/royalty-reports",
                  {"period_start": "2025-01-01", "period_end": "2025-03-31",
                   "gross_sales_fen": 98765432, "waste_utilized_tonnes": 43210},
                  token=fx.tokens["e"], expect=201)
    fx.ids["report_a"] = fx.keep("report_a", rep["id"])
    fx.keep("gross_a", 98765432)
    fx.keep("due_a", rep["royalty_due_fen"])
    for name, amount, ref in (("payment_y", 13579246, "授权矩阵·工行转账甲-0415"),
                              ("payment_r", 24680135, "授权矩阵·建行转账乙-0520")):
        pay = fx.call("POST", f"/v1/contracts/{ca['id']}/payments",
                      {"amount_fen": amount, "kind": "royalty",
                       "paid_at": "2025-04-15T08:00:00Z", "reference": ref},
                      token=fx.tokens["e"], expect=201)
        fx.ids[name] = fx.keep(name, pay["id"])
        fx.keep("amount_" + name, amount)
        fx.keep("reference_" + name, ref)
    fx.call("POST", f"/v1/payments/{fx.ids['payment_y']}/confirm", token=fx.tokens["u"])
    ledger = fx.call("GET", f"/v1/contracts/{ca['id']}/ledger", token=fx.tokens["u"])
    assert ledger["data"], ledger
    fx.keep("ledger_hash", ledger["data"][-1]["hash"])

    # a dispute the licensee opened on the active contract
    dx = fx.call("POST", f"/v1/contracts/{ca['id']}/disputes",
                 {"subject": DISPUTE_SUBJECT, "message": DISPUTE_MESSAGE},
                 token=fx.tokens["e"], expect=201)
    fx.ids["dispute_x"] = fx.keep("dispute_x", dx["id"])
    fx.keep("subject_x", DISPUTE_SUBJECT)
    fx.keep("message_x", DISPUTE_MESSAGE)

    # a draft contract, and one terminated before it was signed
    cd = fx.contract("contract_d", fx.bid("bid_c", d, 42345678))
    fx.keep("digest_d", cd["digest"])
    fx.contract("contract_t", fx.bid("bid_t", t, 43456789))
    fx.call("POST", f"/v1/contracts/{fx.ids['contract_t']}/terminate",
            {"reason": "授权矩阵：双方协商终止"}, token=fx.tokens["u"])

    # u becomes government-established (contracts drafted before keep needing no notice):
    # an agreed price under public notice, and e2's objection to it
    psql(f"UPDATE organizations SET government_established = true"
         f" WHERE id = '{fx.ids['org_u']}'")
    n = fx.listing("listing_n", "授权矩阵·赤泥陶粒公示中专利", 77953680)
    cn = fx.contract("contract_n", fx.bid("bid_n", n, 44567890))
    assert cn["needs_notice"] is True, cn
    notice = fx.call("POST", f"/v1/contracts/{cn['id']}/notice", NOTICE_BODY,
                     token=fx.tokens["u"], expect=201)
    fx.ids["notice_n"] = notice["id"]
    o = fx.call("POST", f"/v1/notices/{notice['id']}/objections",
                {"grounds": "授权矩阵：旁观者乙的实名异议"}, token=fx.tokens["e2"], expect=201)
    fx.ids["objection_n"] = o["id"]
    fx.keep("filer_name", "授权矩阵·旁观者乙")
    fx.keep("filer_org", E2_NAME)
    build_needs(fx)

    # files: on the published listing (public and verified_orgs), the draft, u itself
    # and the active contract (uploaded by e); a conversation e opened on listing_p
    for name, parent, pid, party, vis in (
            ("att_p", "listings", p, "u", "public"), ("att_v", "listings", p, "u", None),
            ("att_d", "listings", fx.ids["listing_d"], "u", "public"),
            ("att_o", "orgs", fx.ids["org_u"], "u", None),
            ("att_c", "contracts", ca["id"], "e", None)):
        q = "?filename=" + urllib.parse.quote(f"授权矩阵·{name}.pdf") + \
            (f"&visibility={vis}" if vis else "")
        r = fx.s.request("POST", f"/v1/{parent}/{pid}/attachments{q}", raw=PDF,
                         content_type="application/pdf", token=fx.tokens[party])
        assert r.status == 201, r
        fx.ids[name] = fx.keep(name, r.json()["id"])
    conv = fx.call("POST", f"/v1/listings/{p}/conversations",
                   {"message": "授权矩阵：金岭公司的保密技术咨询"}, token=fx.tokens["e"],
                   expect=201)
    fx.ids["conv_x"] = fx.keep("conv_x", conv["id"])
    fx.keep("conv_msg", "授权矩阵：金岭公司的保密技术咨询")
    return fx


def build_needs(fx):
    """e's needs in every state and waste streams (a private one with a transfer to u, a
    public one); u's proposals on e's published need, one accepted, one open."""
    e = fx.tokens["e"]

    def need(name, title, to):
        n = fx.call("POST", "/v1/needs", need_body(title), token=e, expect=201)
        fx.ids[name] = fx.keep(name, n["id"])
        if to in ("pending_review", "published"):
            fx.call("POST", f"/v1/needs/{n['id']}/submit", token=e)
        if to == "published":
            fx.call("POST", f"/v1/admin/needs/{n['id']}/approve", token=fx.admin)
        if to == "withdrawn":
            fx.call("POST", f"/v1/needs/{n['id']}/withdraw", token=e)
        return n["id"]

    need("need_d", NEED_TITLE_D, "draft")
    fx.keep("need_title_d", NEED_TITLE_D)
    need("need_r", "授权矩阵·待审需求（未公开）", "pending_review")
    need("need_w", "授权矩阵·已撤回需求（未公开）", "withdrawn")
    p = need("need_p", "授权矩阵·金岭赤泥建材化公开需求", "published")
    q = fx.listing("listing_q", "授权矩阵·赤泥透水砖方案专利", 78064791)
    offer = {"listing_id": q, "amount_fen": 35791357, "transaction_mode": "non_exclusive_license",
             "message": "授权矩阵：已接受的方案", "terms": {"term_months": 24}}
    a = fx.call("POST", f"/v1/needs/{p}/proposals", offer, token=fx.tokens["u"], expect=201)
    fx.ids["proposal_a"] = fx.keep("proposal_a", a["id"])
    fx.call("POST", f"/v1/proposals/{a['id']}/accept", token=e, expect=201)
    o = fx.call("POST", f"/v1/needs/{p}/proposals",
                dict(offer, amount_fen=46802468, message=PROPOSAL_MESSAGE),
                token=fx.tokens["u"], expect=201)
    fx.ids["proposal_p"] = fx.keep("proposal_p", o["id"])
    fx.keep("proposal_message", PROPOSAL_MESSAGE)

    st = fx.call("POST", "/v1/waste-streams", stream_body(STREAM_NAME_S, False), token=e,
                 expect=201)
    fx.ids["stream_s"] = fx.keep("stream_s", st["id"])
    fx.keep("stream_name_s", STREAM_NAME_S)
    pub = fx.call("POST", "/v1/waste-streams", stream_body("授权矩阵·公开的赤泥固废", True),
                  token=e, expect=201)
    fx.ids["stream_pub"] = fx.keep("stream_pub", pub["id"])
    entry = fx.call("POST", f"/v1/waste-streams/{st['id']}/entries",
                    {"period": "2025-06", "generated_kg": 97531, "stored_kg": 86420,
                     "transfers": [{"receiver_org_id": fx.ids["org_u"], "kg": 11111}]},
                    token=e, expect=201)
    fx.ids["transfer_t"] = fx.keep("transfer_t", entry["transfers"][0]["id"])


def visible_text(r):
    """The body as a reader sees it (JSON re-rendered without \\u escapes), without the
    random request id, and every header but X-Request-Id."""
    text = r.body.decode("utf-8", "replace")
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None
    rid = doc.get("request_id") if isinstance(doc, dict) else None
    if doc is not None:
        text += "\n" + json.dumps(doc, ensure_ascii=False)
    if isinstance(rid, str) and rid:
        text = text.replace(rid, "")
    headers = "\n".join(f"{k}: {v}" for k, v in r.headers if k.lower() != "x-request-id")
    return text + "\n" + headers


def check_refusal(fx, r, path, where, fail, head=False):
    """A refusal is a problem and names nothing of the object but what the caller sent."""
    ct = r.header("Content-Type") or ""
    if not ct.startswith("application/problem+json"):
        fail(f"{where}: refusal {r.status} is {ct!r}, not application/problem+json")
    if head:
        if r.body:
            fail(f"{where}: HEAD answered with a body: {r.body[:200]!r}")
    else:
        try:
            p = r.json()
        except ValueError:
            fail(f"{where}: refusal {r.status} is not JSON: {r.body[:200]!r}")
            return
        missing = [k for k in ("type", "title", "status", "detail") if k not in p]
        if missing or p.get("status") != r.status:
            fail(f"{where}: refusal {r.status} is not an RFC 9457 problem: {p}")
    for h in ("ETag", "Location"):
        if r.header(h):
            fail(f"{where}: refusal {r.status} carries {h}: {r.header(h)}")
    text = visible_text(r)
    for name, value in sorted(fx.secrets.items()):
        if value not in path and value in text:
            fail(f"{where}: refusal {r.status} carries {name} ({value}): {r.body[:300]!r}")


def probe(fx, key, case, actor, token, fail, head=False):
    """Sends one probe (HEAD for GET with head) and checks its answer; returns 1 (one
    check) or 0 (not probed)."""
    expect = case["expect"][actor]
    if expect is None:
        return 0
    method, pattern = key
    if head:
        method = "HEAD"
    path = pattern.replace("{id}", fx.ids[case["obj"]]) if case["obj"] else pattern
    path = path.replace("{user_id}", fx.secrets.get("user_" + case["party"], "-"))
    query = case["query"](fx) if callable(case["query"]) else case["query"]
    body = case["body"]
    if case["allowed_body"] is not None and expect not in REFUSALS:
        body = case["allowed_body"]
    if callable(body):
        body = body(fx)
    where = f"{method} {pattern} on {case['obj'] or '-'} as {actor}"
    # registrations are limited per client address: each probe comes from its own
    source = harness.random_loopback() if pattern == "/v1/auth/register" else None
    r = fx.s.request(method, path + query, body, token=token, headers=case["headers"],
                     source=source)
    if r.status != expect:
        fail(f"{where}: expected {expect}, got {r.status}: {r.body[:300]!r}")
    if r.status in REFUSALS:
        check_refusal(fx, r, path, where, fail, head)
    elif 200 <= r.status < 300 and not head:
        text = visible_text(r)
        for name in case["hide"].get("*", ()) + case["hide"].get(actor, ()):
            if fx.secrets[name] in text:
                fail(f"{where}: the answer shows {name} ({fx.secrets[name]})")
        for name in case["show"].get("*", ()) + case["show"].get(actor, ()):
            if fx.secrets[name] not in text:
                fail(f"{where}: the answer lacks {name}, so hiding the others proves nothing")
    return 1


def token_for(fx, case, actor):
    party = case["party"]
    if actor == "anon":
        return None
    if actor == "suspended":
        return fx.spare[party] if case["fresh"] else fx.tokens[party]
    if not case["fresh"]:
        return {"owner": fx.tokens[party], "other": fx.tokens[party + "2"],
                "admin": fx.admin}[actor]
    email = {"owner": fx.emails[party], "other": fx.emails[party + "2"]}.get(actor)
    if email is None:
        return login(fx.s, harness.ADMIN_EMAIL, harness.ADMIN_PASSWORD)["token"]
    return login(fx.s, email)["token"]


def session_sql(tokens):
    hexes = ", ".join(f"decode('{hashlib.sha256(t.encode()).hexdigest()}', 'hex')"
                      for t in tokens)
    return f"token_hash IN ({hexes})"


def run_actor(fx, actor, counts, fail):
    """Every probe of MATRIX and VARIANTS for one actor, and HEAD for each GET of MATRIX
    (served by the GET handler, so it must be refused alike)."""
    for key in sorted(MATRIX, key=lambda k: (k[1], k[0])):
        case = MATRIX[key]
        counts["matrix"] += probe(fx, key, case, actor, token_for(fx, case, actor), fail)
        if key[0] == "GET":
            counts["head"] += probe(fx, key, case, actor, token_for(fx, case, actor), fail,
                                    head=True)
    for key, case in VARIANTS:
        counts["variants"] += probe(fx, key, case, actor, token_for(fx, case, actor), fail)


@test
def test_authorization_matrix():
    """every route × owner, other org, admin, anonymous, suspended org: status and no leak"""
    started = time.time()
    failures = []
    fail = failures.append

    problems = []
    routes = {(m.upper(), p) for m, p, _, _ in
              check_spec.route_operations(harness.ROOT, problems)}
    failures.extend(f"route tables: {p}" for p in problems)
    for key in sorted(routes - set(MATRIX), key=lambda k: (k[1], k[0])):
        fail(f"no matrix entry for the route {key[0]} {key[1]}")
    for key in sorted(set(MATRIX) - routes, key=lambda k: (k[1], k[0])):
        fail(f"the matrix has an entry for {key[0]} {key[1]}, which no route table lists")
    for key, _ in VARIANTS:
        if key not in MATRIX:
            fail(f"a variant probes {key[0]} {key[1]}, which has no matrix entry")

    fx = build()
    counts = {"matrix": 0, "variants": 0, "head": 0}
    for actor in ACTORS[:-1]:
        run_actor(fx, actor, counts, fail)

    # suspend both organizations that own the objects, then give their sessions back so
    # that only the organization's status stands between the token and the data
    for party in ("u", "e"):
        org = fx.call("POST", f"/v1/admin/orgs/{fx.ids['org_' + party]}/suspend",
                      {"reason": SUSPEND_REASON}, token=fx.admin)
        assert org["status"] == "suspended", org
    tokens = [fx.tokens["u"], fx.tokens["e"], fx.spare["u"], fx.spare["e"]]
    rows = psql("UPDATE sessions SET revoked_at = NULL WHERE " + session_sql(tokens) +
                " RETURNING 1")
    assert rows.count(["1"]) == len(tokens), rows
    try:
        run_actor(fx, "suspended", counts, fail)
    finally:
        psql("UPDATE sessions SET revoked_at = now() WHERE " + session_sql(tokens))
        for party in ("u", "e"):
            fx.call("POST", f"/v1/admin/orgs/{fx.ids['org_' + party]}/verify", token=fx.admin)

    gets = sum(1 for key in MATRIX if key[0] == "GET")
    print(f"authz matrix: {len(MATRIX)} routes × {len(ACTORS)} actors = {counts['matrix']} "
          "checks")
    print(f"authz extra: {len(VARIANTS)} variants (other objects, states and sides) = "
          f"{counts['variants']} checks; HEAD on {gets} GET routes × {len(ACTORS)} actors = "
          f"{counts['head']} checks ({time.time() - started:.1f}s)")
    assert not failures, f"{len(failures)} authorization failures:\n" + "\n".join(failures)
