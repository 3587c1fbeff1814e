#!/usr/bin/env python3
"""Checks that api-spec/openapi.yaml and the route tables list the same operations.

The operations of the server are the entries of every `struct route NAME[] = {...}`
table in modules/*/*.c:

    {M_POST, "/v1/auth/register", accounts_register, ROUTE_TX | ROUTE_IDEMPOTENT,
     "register", NULL},

that is (method, path pattern, handler, flags, operationId, the I/O loop's read or NULL).
The operations of the
spec are the (path, method, operationId) triples under `paths:`. Both sets must be
equal: the same paths, spelled the same, with the same methods and operationIds.

Prints one line per difference and exits 1, or prints
"spec and route tables list the same N operations" and exits 0.
Python 3 standard library only; the YAML is read by a small indentation-based
reader that knows the block subset of YAML the spec uses.

Usage: python3 tests/integration/check_spec.py [REPO_ROOT]
"""

import glob
import os
import re
import sys

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


# ---- the route tables ------------------------------------------------------

def strip_c_comments(src):
    """Blanks out comments, keeping string literals and every newline in place."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def matching_brace(text, start):
    """Index of the brace closing the one at start (string literals skipped)."""
    depth = 0
    i = start
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def split_top_level(text, sep=","):
    """Splits on sep outside parentheses, braces and string literals."""
    parts, depth, cur, i = [], 0, [], 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while j < len(text) and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        if c == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur).strip())
    return parts


def c_string(expr):
    """The value of one or more adjacent C string literals, or None."""
    expr = expr.strip()
    if not re.fullmatch(r'(\s*"(?:[^"\\]|\\.)*")+', expr):
        return None
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', expr))


def route_operations(root, problems):
    """[(method, path, operation_id, where)] from every route table in modules/*/*.c."""
    ops = []
    for path in sorted(glob.glob(os.path.join(root, "modules", "*", "*.c"))):
        rel = os.path.relpath(path, root)
        with open(path, encoding="utf-8") as f:
            text = strip_c_comments(f.read())
        for m in re.finditer(r"\bstruct\s+route\s+\w+\s*\[[^\]]*\]\s*=\s*\{", text):
            open_at = m.end() - 1
            close_at = matching_brace(text, open_at)
            if close_at < 0:
                problems.append(f"cannot read the route table at {rel}:{line_of(text, open_at)}")
                continue
            i = open_at + 1
            while i < close_at:
                if text[i] != "{":
                    i += 1
                    continue
                end = matching_brace(text, i)
                where = f"{rel}:{line_of(text, i)}"
                entry = text[i + 1:end]
                i = end + 1
                fields = split_top_level(entry)
                if fields and fields[-1] == "":
                    fields.pop()  # a trailing comma
                methods = [s.strip() for s in fields[0].split("|")] if fields else []
                readable = len(fields) == 6 and re.fullmatch(r"NULL|&\w+", fields[5].strip())
                pattern = c_string(fields[1]) if readable else None
                op_id = c_string(fields[4]) if readable else None
                if (pattern is None or op_id is None or
                        not all(re.fullmatch(r"M_[A-Z]+", x) for x in methods)):
                    flat = " ".join(entry.split())
                    problems.append(f"cannot read the route entry at {where}: {{{flat}}}")
                    continue
                for x in methods:
                    ops.append((x[2:].lower(), pattern, op_id, where))
    return ops


def line_of(text, offset):
    return text.count("\n", 0, offset) + 1


# ---- a small YAML reader -----------------------------------------------------

class YamlError(Exception):
    def __init__(self, lineno, message):
        super().__init__(f"line {lineno}: {message}")


class Map(dict):
    """A mapping that remembers the line of each key."""

    def __init__(self):
        super().__init__()
        self.lines = {}


def strip_yaml_comment(s):
    """Drops a trailing ' # comment' that is outside quotes."""
    quote = None
    for i, c in enumerate(s):
        if quote:
            if c == "\\" and quote == '"':
                continue
            if c == quote:
                quote = None
        elif c in "'\"" and (i == 0 or s[i - 1] in " [{,:"):
            quote = c
        elif c == "#" and (i == 0 or s[i - 1] in " \t"):
            return s[:i].rstrip()
    return s.rstrip()


def read_quoted(s, lineno):
    """(value, rest) for a string starting with a quote."""
    q = s[0]
    out, i = [], 1
    while i < len(s):
        c = s[i]
        if q == "'" and c == "'":
            if s[i + 1:i + 2] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), s[i + 1:]
        if q == '"' and c == "\\" and i + 1 < len(s):
            nxt = s[i + 1]
            out.append({"n": "\n", "t": "\t", "\\": "\\", '"': '"', "/": "/"}.get(nxt, "\\" + nxt))
            i += 2
            continue
        if q == '"' and c == '"':
            return "".join(out), s[i + 1:]
        out.append(c)
        i += 1
    raise YamlError(lineno, "unterminated quoted string")


def split_flow(s):
    parts, depth, cur, quote = [], 0, [], None
    for c in s:
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        if c == "," and depth == 0 and not quote:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def scalar(s, lineno):
    """A one-line value: quoted, a flow sequence or mapping, or plain text."""
    s = s.strip()
    if not s:
        return None
    if s[0] in "'\"":
        value, rest = read_quoted(s, lineno)
        if rest.strip():
            raise YamlError(lineno, f"text after a quoted string: {rest.strip()!r}")
        return value
    if s[0] == "[" and s[-1] == "]":
        return [scalar(p, lineno) for p in split_flow(s[1:-1])]
    if s[0] == "{" and s[-1] == "}":
        m = Map()
        for p in split_flow(s[1:-1]):
            k, _, v = p.partition(":")
            m[scalar(k, lineno)] = scalar(v, lineno)
        return m
    return s


KEY_RE = re.compile(r"""^(?P<key>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^\s'"#\[\]{},-][^#]*?|-[^\s#][^#]*?)\s*:(?:\s+(?P<value>.*))?$""")


class YamlReader:
    def __init__(self, text):
        self.lines = text.split("\n")

    def significant(self, i):
        """Index of the next line that is neither blank nor a comment, and its indent."""
        while i < len(self.lines):
            line = self.lines[i]
            stripped = line.strip()
            if stripped and not stripped.startswith("#") and stripped != "---":
                if "\t" in line[:len(line) - len(line.lstrip())]:
                    raise YamlError(i + 1, "tab in indentation")
                return i, len(line) - len(line.lstrip(" "))
            i += 1
        return i, -1

    def read(self):
        i, indent = self.significant(0)
        if indent < 0:
            return None
        node, i = self.block(i, indent)
        i, rest = self.significant(i)
        if rest >= 0:
            raise YamlError(i + 1, "unexpected indentation")
        return node

    def block(self, i, indent):
        if self.lines[i].strip().startswith("-") and self.lines[i].strip()[1:2] in ("", " "):
            return self.sequence(i, indent)
        return self.mapping(i, indent)

    def mapping(self, i, indent):
        node = Map()
        while True:
            i, ind = self.significant(i)
            if ind != indent:
                if ind > indent:
                    raise YamlError(i + 1, "unexpected indentation")
                return node, i
            text = strip_yaml_comment(self.lines[i].strip())
            if text.startswith("- ") or text == "-":
                return node, i  # a sequence at the parent's indent ends this mapping
            m = KEY_RE.match(text)
            if not m:
                raise YamlError(i + 1, f"expected 'key: value', got {text!r}")
            key = m.group("key")
            key = scalar(key, i + 1) if key[0] in "'\"" else key.strip()
            if key in node:
                raise YamlError(i + 1, f"duplicate key {key!r}")
            node.lines[key] = i + 1
            node[key], i = self.value(i, indent, m.group("value") or "")

    def sequence(self, i, indent):
        items = []
        while True:
            i, ind = self.significant(i)
            stripped = self.lines[i].strip() if ind >= 0 else ""
            if ind != indent or not (stripped.startswith("- ") or stripped == "-"):
                if ind > indent:
                    raise YamlError(i + 1, "unexpected indentation")
                return items, i
            line = self.lines[i]
            rest = strip_yaml_comment(line[indent + 1:].strip())
            if not rest:
                i2, ind2 = self.significant(i + 1)
                if ind2 > indent:
                    item, i = self.block(i2, ind2)
                else:
                    item, i = None, i + 1
            elif KEY_RE.match(rest) or rest.startswith("- "):
                # "- key: value": the item is a block that starts on this line
                self.lines[i] = line[:indent] + " " + line[indent + 1:]
                _, ind2 = self.significant(i)
                item, i = self.block(i, ind2)
            else:
                item, i = self.value(i, indent, rest)
            items.append(item)

    def value(self, i, indent, text):
        """The value after 'key:' (or '- ') on line i; returns (value, next line)."""
        if text[:1] in ("|", ">"):
            return self.block_scalar(i, indent, text)
        if text:
            value = scalar(text, i + 1)
            i += 1
            # a plain scalar may continue on more-indented lines
            while True:
                j, ind = self.significant(i)
                if ind <= indent:
                    return value, i
                if isinstance(value, str) and text[0] not in "'\"[{":
                    value += " " + self.lines[j].strip()
                    i = j + 1
                else:
                    raise YamlError(j + 1, "unexpected indentation")
        j, ind = self.significant(i + 1)
        if ind > indent:
            return self.block(j, ind)
        if ind == indent and self.lines[j].strip()[:1] == "-":
            return self.sequence(j, indent)  # a sequence may sit at its key's indent
        return None, i + 1

    def block_scalar(self, i, indent, header):
        m = re.fullmatch(r"([|>])([+-]?)(\d?)([+-]?)", header.strip())
        if not m:
            raise YamlError(i + 1, f"bad block scalar header {header!r}")
        body, j, content_indent = [], i + 1, None
        while j < len(self.lines):
            line = self.lines[j]
            if line.strip():
                ind = len(line) - len(line.lstrip(" "))
                if ind <= indent:
                    break
                if content_indent is None:
                    content_indent = ind
                body.append(line[content_indent:])
            else:
                body.append("")
            j += 1
        while body and body[-1] == "":
            body.pop()
        sep = "\n" if m.group(1) == "|" else " "
        return sep.join(body) + "\n", j


def spec_operations(path, problems):
    """[(method, path, operation_id, where)] from the spec's paths."""
    rel = os.path.relpath(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = YamlReader(text).read()
    except YamlError as e:
        problems.append(f"cannot read {rel}: {e}")
        return []
    paths = doc.get("paths") if isinstance(doc, dict) else None
    if not isinstance(paths, dict):
        problems.append(f"{rel} has no paths")
        return []
    ops = []
    for p, item in paths.items():
        if not isinstance(item, dict):
            problems.append(f"{rel}:{paths.lines[p]}: path {p} is not a mapping")
            continue
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            where = f"{rel}:{item.lines[method]}"
            op_id = op.get("operationId") if isinstance(op, dict) else None
            if not isinstance(op_id, str) or not op_id:
                problems.append(f"no operationId for {method.upper()} {p} at {where}")
                continue
            ops.append((method, p, op_id, f"{rel}:{op.lines['operationId']}"))
    return ops


# ---- the comparison ----------------------------------------------------------

def index(ops, side, problems):
    """{(method, path): (operation_id, where)}; reports duplicates."""
    by_key, by_id = {}, {}
    for method, p, op_id, where in ops:
        key = (method, p)
        if key in by_key:
            problems.append(f"{method.upper()} {p} is listed twice in the {side}: "
                            f"{by_key[key][1]} and {where}")
            continue
        if op_id in by_id:
            problems.append(f"operationId {op_id} is used twice in the {side}: "
                            f"{by_id[op_id]} and {where}")
        by_id[op_id] = where
        by_key[key] = (op_id, where)
    return by_key


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = argv[1] if len(argv) > 1 else os.path.normpath(os.path.join(here, "..", ".."))
    os.chdir(root)
    problems = []
    route_ops = route_operations(".", problems)
    # the router answers HEAD wherever GET works (the same reply without its body), and
    # the spec declares it there as <getOperationId>Head
    route_ops += [("head", p, op_id + "Head", where) for method, p, op_id, where in route_ops
                  if method == "get"]
    routes = index(route_ops, "route tables", problems)
    spec = index(spec_operations(os.path.join("api-spec", "openapi.yaml"), problems),
                 "spec", problems)

    def order(key):
        return (key[1], key[0])

    for key in sorted(set(routes) | set(spec), key=order):
        method, p = key[0].upper(), key[1]
        if key not in spec:
            op_id, where = routes[key]
            problems.append(f"only in the route tables: {method} {p} ({op_id}) at {where}")
        elif key not in routes:
            op_id, where = spec[key]
            problems.append(f"only in the spec: {method} {p} ({op_id}) at {where}")
        elif routes[key][0] != spec[key][0]:
            problems.append(f"operationId of {method} {p} differs: {routes[key][0]} in the "
                            f"route table at {routes[key][1]}, {spec[key][0]} in the spec "
                            f"at {spec[key][1]}")
    if not routes and not problems:
        problems.append("no route tables found under modules/*/*.c")
    for line in problems:
        print(line)
    if problems:
        return 1
    print(f"spec and route tables list the same {len(routes)} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
