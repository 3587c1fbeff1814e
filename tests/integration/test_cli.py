"""The command line: help, version, configuration errors, migrations, admins, demo data."""

import os
import subprocess
import threading
import uuid

import harness
from harness import BIN, DATABASE_URL, psql, techex, test


@test
def test_help_and_version():
    """--help lists the commands and configuration; --version prints the version"""
    p = techex("--help")
    assert p.returncode == 0, p
    for word in ("serve", "migrate", "admin create", "seed-demo", "DATABASE_URL", "TECHEX_LISTEN",
                 "TECHEX_WORKERS", "TECHEX_TLS_CERT", "TECHEX_LOG_LEVEL"):
        assert word in p.stdout, word
    v = techex("--version")
    assert v.returncode == 0 and v.stdout.startswith("techex "), v
    bad = techex("frobnicate")
    assert bad.returncode == 2 and "unknown command" in bad.stderr, bad


@test
def test_bad_configuration_exits_2_naming_the_key():
    """a bad configuration value is a clear message naming the key and exit status 2"""
    cases = [
        ({"TECHEX_WORKERS": "zero"}, "TECHEX_WORKERS"),
        ({"TECHEX_WORKERS": "0"}, "TECHEX_WORKERS"),
        ({"TECHEX_LISTEN": "localhost"}, "TECHEX_LISTEN"),
        ({"TECHEX_LISTEN": "127.0.0.1:99999"}, "TECHEX_LISTEN"),
        ({"TECHEX_LOG_LEVEL": "chatty"}, "TECHEX_LOG_LEVEL"),
        ({"TECHEX_TLS_CERT": "/etc/hostname"}, "TECHEX_TLS"),
        ({"TECHEX_TLS_CERT": "/no/such.pem", "TECHEX_TLS_KEY": "/no/such.key"}, "TECHEX_TLS_CERT"),
        ({"DATABASE_URL": "host=x port"}, "DATABASE_URL"),
        ({"TECHEX_QUEUE_DEPTH": "-1"}, "TECHEX_QUEUE_DEPTH"),
    ]
    for env, key in cases:
        p = techex("serve", env=env, timeout=10)
        assert p.returncode == 2, (env, p.returncode, p.stderr)
        assert key in p.stderr, (env, p.stderr)


@test
def test_tls_files_that_are_not_pem_exit_2():
    """TLS files that cannot be loaded stop start-up with exit status 2"""
    p = techex("serve", env={"TECHEX_TLS_CERT": "/etc/hostname", "TECHEX_TLS_KEY": "/etc/hostname",
                             "TECHEX_LISTEN": f"127.0.0.1:{harness.free_port()}"}, timeout=10)
    assert p.returncode == 2 and "TECHEX_TLS_CERT" in p.stderr, p


def fresh_database():
    name = "techex_" + uuid.uuid4().hex[:8]
    psql(f"CREATE DATABASE {name} OWNER techex", db="postgres")
    return name, DATABASE_URL.replace("dbname=techex", f"dbname={name}")


@test
def test_serve_refuses_pending_migrations():
    """serve refuses to start while migrations are pending, saying so"""
    _, url = fresh_database()
    p = techex("serve", env={"DATABASE_URL": url, "TECHEX_LISTEN": f"127.0.0.1:{harness.free_port()}"})
    assert p.returncode == 1 and "migrate" in p.stderr, p


@test
def test_migrate_twice_and_concurrently():
    """migrate applies each file once, in order; two at once both succeed"""
    name, url = fresh_database()
    results = []

    def run():
        results.append(techex("migrate", env={"DATABASE_URL": url}))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    applied = sum(r.stdout.count("applied 0") for r in results)
    rows = psql("SELECT version FROM schema_migrations ORDER BY version", db=name)
    assert applied == len(rows) and [r[0] for r in rows] == sorted(r[0] for r in rows), (applied, rows)
    again = techex("migrate", env={"DATABASE_URL": url})
    assert again.returncode == 0 and "0 applied now" in again.stdout, again


@test
def test_migrate_refuses_an_edited_migration():
    """an applied migration whose file changed is refused"""
    name, url = fresh_database()
    assert techex("migrate", env={"DATABASE_URL": url}).returncode == 0
    psql("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001_create_accounts'", db=name)
    p = techex("migrate", env={"DATABASE_URL": url})
    assert p.returncode == 1 and "0001_create_accounts" in p.stderr and "changed" in p.stderr, p
    s = techex("serve", env={"DATABASE_URL": url, "TECHEX_LISTEN": f"127.0.0.1:{harness.free_port()}"})
    assert s.returncode == 1 and "changed" in s.stderr, s


@test
def test_admin_create_from_command_line():
    """techex admin create makes a platform admin; duplicates and short passwords are refused"""
    email = f"ops-{uuid.uuid4().hex[:6]}@techex.example"
    p = techex("admin", "create", "--email", email, env={"TECHEX_ADMIN_PASSWORD": "运维管理员口令-0001"})
    assert p.returncode == 0 and email in p.stdout, p
    rows = psql(f"SELECT platform_admin, org_id IS NULL, password_hash LIKE '$argon2id$%' FROM users WHERE email = '{email}'")
    assert rows == [["t", "t", "t"]], rows
    dup = techex("admin", "create", "--email", email, env={"TECHEX_ADMIN_PASSWORD": "运维管理员口令-0001"})
    assert dup.returncode == 1 and "already exists" in dup.stderr, dup
    short = techex("admin", "create", "--email", "x" + email, env={"TECHEX_ADMIN_PASSWORD": "short"})
    assert short.returncode == 2, short
    # without the variable the password is read from standard input
    env = {k: v for k, v in __import__("os").environ.items() if k != "TECHEX_ADMIN_PASSWORD"}
    piped = subprocess.run([BIN, "admin", "create", "--email", "y" + email],
                           input="从标准输入读取的口令-0002\n", capture_output=True, text=True, env=env)
    assert piped.returncode == 0, piped
    noemail = techex("admin", "create")
    assert noemail.returncode == 2 and "--email" in noemail.stderr, noemail
    rows = psql(f"SELECT count(*) FROM audit_log WHERE action = 'admin.create' AND detail->>'email' = '{email}'")
    assert rows == [["1"]], rows


@test
def test_seed_demo_loads_plan_organizations_twice_safely():
    """seed-demo loads the plan's organizations and can run again without duplicates"""
    a = techex("seed-demo")
    b = techex("seed-demo")
    assert a.returncode == 0 and b.returncode == 0, (a, b)
    rows = psql("SELECT count(*) FROM organizations WHERE name = '山东理工大学' AND kind = 'university'"
                " AND id IN (SELECT org_id FROM users WHERE email = 'sdut@demo.techex.example')")
    assert rows == [["1"]], rows
    rows = psql("SELECT p.name FROM organizations o JOIN organizations p ON p.id = o.parent_id WHERE o.name = '中铝研究院'")
    assert rows == [["中铝山东有限公司"]], rows
    # every demo organization has its profile: a valid, unique credit code, a region
    rows = psql("SELECT o.name, o.credit_code, o.region_code, o.government_established,"
                " o.status, o.verified_at IS NOT NULL FROM organizations o JOIN users u"
                " ON u.org_id = o.id WHERE u.email LIKE '%@demo.techex.example'")
    assert len(rows) == 22 and len({r[1] for r in rows}) == 22, rows
    for name, code, region, _, status, verified_at in rows:
        assert code[16] == harness.org_code_check(code[8:16]), (name, code)
        assert code[17] == harness.credit_code_check(code[:17]), (name, code)
        assert len(region) == 6 and (verified_at == "t") == (status == "verified"), (name, region)
    gov = {r[0] for r in rows if r[3] == "t"}
    assert gov == {"山东理工大学", "北京科技大学", "广西大学", "清华大学"}, gov
    assert {r[2] for r in rows if r[0] == "山东理工大学"} == {"370303"}


@test
def test_search_tokens_match_chinese_bigrams_and_english_words():
    """listing search tokens: 赤泥 matches inside a longer Chinese title; English is case-free"""
    def matches(text, query):
        (v,), = psql("SELECT to_tsvector('simple', techex_search_tokens($t$" + text + "$t$)) @@ "
                     "plainto_tsquery('simple', techex_search_tokens($q$" + query + "$q$, true))")
        return v == "t"
    assert matches("利用赤泥制备路基材料", "赤泥")
    assert matches("钛白石膏制备特种工程材料", "钛白石膏")
    assert not matches("利用赤泥制备路基材料", "钛白石膏")
    assert not matches("赤土与泥浆", "赤泥")  # the two characters must be adjacent
    assert matches("Foundry Sand regeneration 铸造用砂再生", "foundry sand")
    assert matches("高铁砂", "铁")  # a one-character query matches the character alone


@test
def test_seed_demo_loads_published_listings_from_the_plan():
    """seed-demo loads about 40 published demo listings, once, findable by q=赤泥"""
    from common import main_server
    assert techex("seed-demo").returncode == 0
    assert techex("seed-demo").returncode == 0
    rows = psql("SELECT count(*), count(DISTINCT (org_id, title)), count(*) FILTER (WHERE kind = 'patent'),"
                " count(*) FILTER (WHERE status = 'published') FROM listings WHERE '演示数据' = ANY (tags)")
    total, distinct, patents, published = map(int, rows[0])
    assert total >= 40 and total == distinct == published and 0 < patents < total, rows
    s = main_server()
    page = s.request("GET", "/v1/listings?q=%E8%B5%A4%E6%B3%A5&limit=100").json()
    demo = [l for l in page["data"] if "演示数据" in l["tags"]]
    assert len(demo) >= 5 and all("赤泥" in (l["title"] + l["description"] + "".join(l["tags"])) for l in demo), demo[:2]
    assert all(l["summary"] and l["summary"].isascii() for l in demo), [l["summary"] for l in demo][:3]
    patent = next(l for l in demo if l["kind"] == "patent")
    full = s.request("GET", f"/v1/listings/{patent['id']}").json()
    assert " " not in full["patent"]["number"] and "." not in full["patent"]["number"], full["patent"]


@test
def test_bench_synthetic_listings():
    """bench/synthetic.sql adds N published listings (tagged 合成数据) with valid CN patent numbers; seed-demo takes no --synthetic"""
    assert techex("seed-demo").returncode == 0
    before = int(psql("SELECT count(*) FROM listings WHERE '合成数据' = ANY (tags)")[0][0])
    p = subprocess.run(["sh", os.path.join(harness.ROOT, "scripts/pg.sh"), "psql", harness.PGDIR, "-q",
                        "-v", "ON_ERROR_STOP=1", "-v", "first=1", "-v", "last=300",
                        "-f", os.path.join(harness.ROOT, "bench/synthetic.sql")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    rows = psql("SELECT count(*), count(*) FILTER (WHERE status = 'published'),"
                " count(*) FILTER (WHERE kind = 'patent' AND patent_number = patent->>'number')"
                " FROM listings WHERE '合成数据' = ANY (tags)")
    total, published, patents = map(int, rows[0])
    assert total - before == 300 and published == total and patents > 0, rows
    numbers = [r[0] for r in psql("SELECT patent_number FROM listings WHERE '合成数据' = ANY (tags)"
                                  " AND kind = 'patent' LIMIT 50")]
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    for n in numbers:
        digits = n[2:] if n.startswith("ZL") else n
        check = sum(int(c) * w for c, w in zip(digits[:12], weights)) % 11
        assert digits[12] == ("X" if check == 10 else str(check)), n
    q = techex("seed-demo", "--synthetic", "300")
    assert q.returncode == 2 and "takes no arguments" in q.stderr, q


def rows_of_action(action):
    return psql(f"SELECT count(*) FROM audit_log WHERE request_id = 'seed-demo'"
                f" AND action = '{action}'")[0][0]


@test
def test_seed_demo_deals_go_through_the_modules():
    """seed-demo drafts, signs, reports, records and confirms through the modules' own functions (audited as request seed-demo); a second run adds nothing; techex check holds"""
    assert techex("seed-demo").returncode == 0
    counts = "SELECT (SELECT count(*) FROM bids), (SELECT count(*) FROM contracts),"\
             " (SELECT count(*) FROM payments), (SELECT count(*) FROM ledger_entries),"\
             " (SELECT count(*) FROM royalty_reports), (SELECT count(*) FROM audit_log)"
    before = psql(counts)
    again = techex("seed-demo")
    assert again.returncode == 0 and "7 already present" in again.stdout, again
    assert psql(counts) == before, (before, psql(counts))
    rows = dict(psql("SELECT action, count(*) FROM audit_log WHERE request_id = 'seed-demo'"
                     " GROUP BY action"))
    for action, least in (("contract.draft", 3), ("contract.sign", 4), ("contract.activate", 2),
                          ("royalty_report.create", 4), ("payment.report", 3),
                          ("payment.confirm", 2), ("bid.seed", 7)):
        assert int(rows.get(action, 0)) >= least, (action, rows)
    rows = psql("SELECT c.term_start, c.status, (SELECT count(*) FROM ledger_entries e"
                " WHERE e.contract_id = c.id) FROM contracts c JOIN listings l ON l.id = c.listing_id"
                " WHERE l.title = '一种赤泥基酸性土壤改良剂及其制备方法' AND '演示数据' = ANY (l.tags)")
    assert rows == [["2025-01-01", "active", "5"]], rows  # 2 costs, then the plan's 3
    # its upfront payment was confirmed net of two costs, and its registration filed
    rows = psql("SELECT p.deductions->>0 IS NOT NULL, (SELECT sum(e.amount_fen) FROM ledger_entries e"
                " WHERE e.payment_id = p.id AND e.role = 'cost'), p.amount_fen = (SELECT"
                " sum(e.amount_fen) FROM ledger_entries e WHERE e.payment_id = p.id), g.status"
                " FROM payments p JOIN contracts c ON c.id = p.contract_id"
                " JOIN listings l ON l.id = c.listing_id"
                " JOIN contract_registrations g ON g.contract_id = c.id"
                " WHERE l.title = '一种赤泥基酸性土壤改良剂及其制备方法' AND p.kind = 'upfront'")
    assert rows == [["t", "1500000", "t", "submitted"]], rows
    assert int(rows_of_action("registration.submit")) >= 1
    check = techex("check")
    assert check.returncode == 0, check.stdout + check.stderr
