"""Chinese messages: Accept-Language (zh, zh-CN, ... by q-value) gives problem titles, details
and field messages in Chinese through gettext (po/zh_CN.po); anything else, or nothing,
English. Problem types, field names and enum values are never translated."""

import glob
import os
import re
import shutil
import subprocess
import tempfile
import urllib.parse
import uuid

from common import main_server
from harness import (BIN, ROOT, Server, member, problem, random_loopback, register, techex,
                     test)

ZH = {"Accept-Language": "zh-CN"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def chinese(text):
    return CJK.search(text or "") is not None


def bad_registration(s, headers):
    """One registration with three bad fields, from an address of its own."""
    body = {"email": "不是邮箱", "password": "短口令", "display_name": "王工",
            "organization": {"name": "淄博天之润", "kind": "国企"}}
    return s.request("POST", "/v1/auth/register", body, headers=headers, source=random_loopback())


def messages(p):
    return {e["field"]: e["message"] for e in p["errors"]}


@test
def test_zh_cn_gives_chinese_field_messages_in_a_422():
    """Accept-Language: zh-CN: a 422's title, detail and every field message are Chinese; the
    type, the field names and the enum values in a message stay as the API spells them"""
    s = main_server()
    zh = problem(bad_registration(s, ZH), 422)
    en = problem(bad_registration(s, {}), 422)
    assert zh["type"] == en["type"] == "/problems/validation", (zh, en)
    assert zh["title"] == "无法处理的内容" and en["title"] == "Unprocessable Content", (zh, en)
    assert zh["detail"] == "3 个字段未通过校验；见 errors", zh
    assert en["detail"] == "3 fields failed validation; see errors", en
    zm, em = messages(zh), messages(en)
    assert set(zm) == set(em) == {"email", "password", "organization.kind"}, (zm, em)
    assert zm["email"] == "必须是邮箱地址" and em["email"] == "must be an email address", zm
    assert zm["password"] == "不能少于 12 个字符", zm
    assert zm["organization.kind"].startswith("必须是以下之一："), zm
    assert "university" in zm["organization.kind"], zm  # enum values as the API spells them


@test
def test_chinese_by_q_value_english_otherwise():
    """zh;q=0.9,en;q=0.8 and zh-TW are Chinese; en,zh;q=0.5, *, fr, zh;q=0 and no header
    are English; Content-Language says which, and Vary names Accept-Language"""
    s = main_server()
    path = f"/v1/listings/{uuid.uuid4()}"
    cases = [("zh;q=0.9,en;q=0.8", "zh-CN"), ("zh", "zh-CN"), ("zh-TW", "zh-CN"),
             ("fr, zh-Hans;q=0.7", "zh-CN"), ("en,zh;q=0.5", "en"), ("en;q=1, zh;q=0.5", "en"),
             ("*", "en"), ("fr", "en"), ("zh;q=0", "en"), (None, "en")]
    for value, lang in cases:
        r = s.request("GET", path, headers={"Accept-Language": value} if value else {})
        p = problem(r, 404)
        assert r.header("Content-Language") == lang, (value, r.headers)
        assert r.header("Vary") == "Accept-Language", (value, r.headers)
        assert p["type"] == "/problems/not-found", p
        if lang == "zh-CN":
            assert (p["title"], p["detail"]) == ("未找到", "没有此 id 的挂牌项目"), (value, p)
        else:
            assert (p["title"], p["detail"]) == ("Not Found", "no listing has this id"), (value, p)


@test
def test_404_401_403_409_428_titles_and_details_in_chinese():
    """a 404 (no route, no object), 405, 401, 403, 409 and 428 have Chinese titles and details
    for zh-CN, the problem type and the status line unchanged"""
    s = main_server()
    r = s.request("GET", "/v1/" + urllib.parse.quote("没有这个资源"), headers=ZH)
    p = problem(r, 404)
    assert (p["title"], p["detail"], p["type"]) == ("未找到", "没有此资源", "/problems/not-found"), p
    assert r.header("Content-Language") == "zh-CN", r.headers

    p = problem(s.request("DELETE", "/v1/me", headers=ZH), 405)
    assert p["title"] == "方法不允许" and p["detail"].startswith("此处不允许 DELETE 方法"), p

    r = s.request("GET", "/v1/me", headers=ZH)
    p = problem(r, 401)
    assert p["title"] == "未认证" and chinese(p["detail"]), p
    assert r.header("WWW-Authenticate"), r.headers
    p = problem(s.request("GET", "/v1/me", headers=ZH, token="not-a-token-" + uuid.uuid4().hex), 401)
    assert p["detail"] == "令牌未知、已过期或已撤销；请重新登录", p

    tok, _, org, email = member(s, name="山东金卡材料")
    p = problem(s.request("GET", "/v1/admin/deals", headers=ZH, token=tok), 403)
    assert (p["title"], p["detail"]) == ("禁止访问", "此操作仅限平台管理员"), p

    body = {"email": email, "password": "赤泥综合利用-技术转让-2026", "display_name": "李工",
            "organization": {"name": "山东金卡材料", "kind": "enterprise"}}
    p = problem(s.request("POST", "/v1/auth/register", body, headers=ZH,
                          source=random_loopback()), 409)
    assert (p["title"], p["detail"]) == ("冲突", "该邮箱已注册账户"), p

    p = problem(s.request("PATCH", f"/v1/orgs/{org['id']}", {"address": "淄博市张店区"},
                          headers=ZH, token=tok), 428)
    assert p["title"] == "需要前提条件", p
    assert p["detail"] == "修改前请在 If-Match 中发送该机构的 ETag", p
    en = problem(s.request("PATCH", f"/v1/orgs/{org['id']}", {"address": "淄博市张店区"},
                           token=tok), 428)
    assert en["detail"] == "send If-Match with the organization's ETag to change it", en


@test
def test_objects_are_not_translated_only_problems():
    """a 200 is the same bytes in every language and carries no Content-Language: only
    problems are translated, so an object's ETag holds for every reader"""
    s = main_server()
    data, _ = register(s, name="中铝山东")
    path = f"/v1/orgs/{data['organization']['id']}"
    en, zh = s.request("GET", path), s.request("GET", path, headers=ZH)
    assert en.status == zh.status == 200, (en, zh)
    assert en.body == zh.body and en.header("ETag") == zh.header("ETag"), (en, zh)
    assert zh.header("Content-Language") is None, zh.headers


def po_check(po):
    return subprocess.run(["sh", os.path.join(ROOT, "scripts", "po-check.sh"), po],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def po_entries(text):
    """The catalogue split into entries (blank-line separated), the header first."""
    return text.rstrip("\n").split("\n\n")


@test
def test_every_message_in_the_sources_has_its_chinese_translation():
    """`make po-check`: every message of problem_set, problem_field, N_() ... in main.c,
    server/ and modules/ has a (non-fuzzy) msgstr in po/zh_CN.po"""
    out = po_check(os.path.join(ROOT, "po", "zh_CN.po"))
    assert out.returncode == 0, out.stdout + out.stderr
    n = int(re.search(r"all (\d+) messages translated", out.stdout).group(1))
    assert n > 300, out.stdout


@test
def test_po_check_fails_on_a_missing_fuzzy_or_unsafe_translation():
    """the check itself: a catalogue missing a message, with an empty or fuzzy msgstr, or
    whose translation changes or adds a printf directive, fails and names the msgid"""
    with open(os.path.join(ROOT, "po", "zh_CN.po"), encoding="utf-8") as f:
        entries = po_entries(f.read())

    def variant(edit):
        out = []
        for e in entries:
            e = edit(e)
            if e is not None:
                out.append(e)
        d = tempfile.mkdtemp()
        path = os.path.join(d, "zh_CN.po")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n\n".join(out) + "\n")
        try:
            return po_check(path)
        finally:
            shutil.rmtree(d)

    def entry_of(msgid):
        return lambda e: f'\nmsgid "{msgid}"\n' in f"\n{e}\n"

    busy = entry_of("the server is busy; retry shortly")
    out = variant(lambda e: None if busy(e) else e)
    assert out.returncode != 0, out.stdout
    assert 'msgid "the server is busy; retry shortly"' in out.stdout, out.stdout
    assert "without a translation" in out.stdout, out.stdout

    gone = entry_of("no such resource")
    out = variant(lambda e: re.sub(r'msgstr ".*"', 'msgstr ""', e) if gone(e) else e)
    assert out.returncode != 0 and 'msgid "no such resource"' in out.stdout, out.stdout

    out = variant(lambda e: e.replace("\nmsgid ", "\n#, fuzzy\nmsgid ", 1) if gone(e) else e)
    assert out.returncode != 0 and "fuzzy" in out.stdout, out.stdout
    assert 'msgid "no such resource"' in out.stdout, out.stdout

    longest = entry_of("must be at most %lld characters")
    out = variant(lambda e: re.sub(r'msgstr "(.*)%lld(.*)"', r'msgstr "\1%s\2"', e)
                  if longest(e) else e)
    assert out.returncode != 0 and "msgfmt" in out.stdout, out.stdout

    out = variant(lambda e: re.sub(r'msgstr "(.*)"', r'msgstr "\1 %s"', e) if gone(e) else e)
    assert out.returncode != 0, out.stdout
    assert 'msgid "no such resource"' in out.stdout, out.stdout


MESSAGE_CALLS = {"problem_set": 3, "problem_commit": 3, "problem_field": 2, "problem_tr": 1}
LITERAL = r'"(?:[^"\\\n]|\\.)*"'


def call_arguments(src, start):
    """The top-level arguments of the call whose "(" is at start."""
    args, cur, depth, i = [], "", 1, start + 1
    while depth:
        m = re.match(LITERAL, src[i:])
        if m:
            cur += m.group(0)
            i += len(m.group(0))
            continue
        c = src[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if depth == 1 and c == ",":
            args.append(cur.strip())
            cur = ""
        elif depth:
            cur += c
        i += 1
    return args + [cur.strip()]


@test
def test_every_message_at_a_problem_call_can_be_extracted():
    """the message argument of every problem_set, problem_commit, problem_field and problem_tr
    in the sources is one literal or holds its literals in N_(): xgettext takes only the
    first literal of an expression (a ternary's second message would go untranslated)"""
    bad = []
    sources = [os.path.join(ROOT, "main.c")]
    for d in ("server", os.path.join("modules", "*")):
        sources += sorted(glob.glob(os.path.join(ROOT, d, "*.c")))
    for path in sources:
        with open(path, encoding="utf-8") as f:
            src = f.read()
        for m in re.finditer(r"\b(%s)\s*\(" % "|".join(MESSAGE_CALLS), src):
            line = src.count("\n", 0, m.start()) + 1
            before = src[src.rfind("\n", 0, m.start()) + 1:m.start()]
            if re.search(r"\b(enum rc|void|const char \*)\s*$", before):
                continue  # the definition
            args = call_arguments(src, m.end() - 1)
            msg = args[MESSAGE_CALLS[m.group(1)]]
            if re.fullmatch(r"(%s\s*)+" % LITERAL, msg):
                continue  # one literal, maybe concatenated
            bare = re.sub(r"N_\(\s*(%s\s*)+\)" % LITERAL, "MARKED", msg)
            bare = re.sub(LITERAL, "\0LITERAL\0", bare)
            while True:  # a literal passed to another function is not a message
                inner = re.sub(r"\b(?!N_\b)\w+\s*\([^()]*\)", "CALL", bare)
                if inner == bare:
                    break
                bare = inner
            if "\0LITERAL\0" in bare:
                bad.append(f"{os.path.relpath(path, ROOT)}:{line}: {msg[:120]}")
    assert not bad, "mark each literal with N_():\n" + "\n".join(bad)


@test
def test_serve_refuses_to_start_without_its_chinese_catalogue():
    """`techex serve` with TECHEX_LOCALEDIR where no catalogue is exits 1 naming the file it
    looked for, instead of serving English to readers who asked for Chinese"""
    with tempfile.TemporaryDirectory() as empty:
        p = techex("serve", env={"TECHEX_LOCALEDIR": empty, "TECHEX_LISTEN": "127.0.0.1:1"},
                   timeout=30)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert f"{empty}/zh_CN/LC_MESSAGES/techex.mo" in p.stderr, p.stderr
    assert "TECHEX_LOCALEDIR" in p.stderr, p.stderr


@test
def test_an_installed_layout_finds_its_catalogue_beside_bin():
    """the binary copied to PREFIX/bin with the catalogue in PREFIX/share/locale (the
    container image's layout) serves Chinese without TECHEX_LOCALEDIR"""
    with tempfile.TemporaryDirectory() as prefix:
        os.makedirs(os.path.join(prefix, "bin"))
        shutil.copy(BIN, os.path.join(prefix, "bin", "techex"))
        shutil.copytree(os.path.join(ROOT, "share", "locale"),
                        os.path.join(prefix, "share", "locale"))
        srv = Server("installed", env={"TECHEX_LOCALEDIR": ""},
                     bin=os.path.join(prefix, "bin", "techex"))
        try:
            p = problem(srv.request("GET", f"/v1/listings/{uuid.uuid4()}", headers=ZH), 404)
            assert p["detail"] == "没有此 id 的挂牌项目", p
        finally:
            srv.stop()
