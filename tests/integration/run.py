"""Runs every integration test and records "passed failed" for tests/run.sh."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))

import harness  # noqa: E402
import test_http  # noqa: E402,F401
import test_accounts  # noqa: E402,F401
import test_orgs  # noqa: E402,F401
import test_identity  # noqa: E402,F401
import test_throttle  # noqa: E402,F401
import test_cli  # noqa: E402,F401
import test_listings  # noqa: E402,F401
import test_search_relevance  # noqa: E402,F401
import test_org_listings  # noqa: E402,F401
import test_relevance  # noqa: E402,F401
import test_bids  # noqa: E402,F401
import test_contracts  # noqa: E402,F401
import test_revenue  # noqa: E402,F401
import test_notices  # noqa: E402,F401
import test_deal_integrity  # noqa: E402,F401
import test_desk  # noqa: E402,F401
import test_events  # noqa: E402,F401
import test_webhooks  # noqa: E402,F401
import test_oversight  # noqa: E402,F401
import test_needs  # noqa: E402,F401
import test_waste  # noqa: E402,F401
import test_matching  # noqa: E402,F401
import test_negotiation  # noqa: E402,F401
import test_conversations  # noqa: E402,F401
import test_attachments  # noqa: E402,F401
import test_attacks  # noqa: E402,F401
import test_security  # noqa: E402,F401
import test_authz  # noqa: E402,F401
import test_policy  # noqa: E402,F401
import test_registration  # noqa: E402,F401
import test_hostile  # noqa: E402,F401
import test_faults  # noqa: E402,F401
import test_loopdb  # noqa: E402,F401
import test_round_trips  # noqa: E402,F401
import test_in_flight  # noqa: E402,F401
import test_ops  # noqa: E402,F401
import test_build  # noqa: E402,F401
import test_i18n  # noqa: E402,F401
import test_teams  # noqa: E402,F401
import test_mail  # noqa: E402,F401
import test_passwords  # noqa: E402,F401
import test_earnings  # noqa: E402,F401
from common import shutdown_main  # noqa: E402

try:
    passed, failed = harness.run_all(os.environ.get("TESTS"))
finally:
    shutdown_main()
with open(os.path.join(harness.ROOT, "var", "integration-result"), "w") as f:
    f.write(f"{passed} {failed}\n")
sys.exit(0 if failed == 0 else 1)
