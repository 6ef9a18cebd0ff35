#!/usr/bin/env python3
"""jsoncheck.py: checks of nsx's -oJ output for t-json.sh.

  jsoncheck.py schema FILE SCHEMA   every line valid against the JSON Schema
                                    (exit 77 when python3-jsonschema is missing)
  jsoncheck.py match FILE NORMAL    the script records say what the normal
                                    output (-oN) of the same run shows, place
                                    by place, in the same order
  jsoncheck.py fields FILE WEBPORT  the records of t-json.sh's main run carry
                                    the values its test scripts produce
Prints what is wrong and exits 1 if anything is.
"""
import json
import re
import sys
from datetime import datetime


def records(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        raise SystemExit("the last record does not end with a newline")
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            rec = json.loads(line.decode("utf-8"))
        except ValueError as e:
            raise SystemExit("line %d is not JSON: %s" % (n, e))
        if not isinstance(rec, dict):
            raise SystemExit("line %d is not an object" % n)
        out.append(rec)
    return out


def cmd_schema(path, schema_path):
    try:
        import jsonschema
    except ImportError:
        print("python3-jsonschema is missing")
        return 77
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.FormatChecker())
    bad = 0
    recs = records(path)
    for n, rec in enumerate(recs, 1):
        for e in v.iter_errors(rec):
            bad += 1
            print("line %d: %s" % (n, e.message))
    print("%d records valid" % len(recs) if not bad else "%d errors" % bad)
    return 1 if bad else 0


def char_re(c):
    """What normal output shows for one character of a JSON output string.
    A character U+0080-U+00FF may stand for a byte that was not UTF-8 (see
    nsx_json_quote), so both of its forms are accepted."""
    o = ord(c)
    if 0x20 <= o <= 0x7E or c == "\t":
        return re.escape(c)
    utf8 = "".join("\\x%02X" % b for b in c.encode("utf-8", "surrogatepass"))
    if o < 0x80:
        return re.escape(utf8)
    if o <= 0xFF:
        return "(?:%s|%s)" % (re.escape("\\x%02X" % o), re.escape(utf8))
    return re.escape(utf8)


def layout_re(sid, text):
    """A regex for the '| id: ...' lines of one result (spec/output.md §1)."""
    if text == "":
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    pats = ["".join(char_re(c) for c in line) for line in lines]
    if len(pats) == 1:
        return [re.escape("|_%s: " % sid) + pats[0]]
    out = [re.escape("| %s: " % sid) + pats[0]]
    out += [re.escape("| ") + p for p in pats[1:-1]]
    out.append(re.escape("|_") + pats[-1])
    return out


REPORT = re.compile(r"^Nmap scan report for (?:.* \((.*)\)|(\S+))$")
PORTROW = re.compile(r"^(\d+)/(tcp|udp|sctp)\s")


def normal_blocks(path):
    """{place: [lines]} of the '|' lines of a normal-output file."""
    blocks, place, ip = {}, None, None
    for line in open(path, encoding="latin-1").read().split("\n"):
        m = REPORT.match(line)
        if line == "Pre-scan script results:":
            place = "pre"
        elif line == "Post-scan script results:":
            place = "post"
        elif m:
            ip = m.group(1) or m.group(2)
            place = None
        elif PORTROW.match(line):
            pm = PORTROW.match(line)
            place = "%s %s/%s" % (ip, pm.group(1), pm.group(2))
        elif line == "Host script results:":
            place = "%s host" % ip
        elif line.startswith("|"):
            blocks.setdefault(place, []).append(line)
    return blocks


def json_place(rec):
    if rec["phase"] in ("prerule", "postrule"):
        return "pre" if rec["phase"] == "prerule" else "post"
    if rec["phase"] == "hostrule":
        return "%s host" % rec["ip"]
    return "%s %d/%s" % (rec["ip"], rec["port"], rec["protocol"])


def cmd_match(path, normal):
    want = {}
    for rec in records(path):
        if rec["type"] == "script":
            want.setdefault(json_place(rec), []).extend(
                layout_re(rec["id"], rec["output"]))
    have = normal_blocks(normal)
    bad = 0
    for place in sorted(set(want) | set(have), key=str):
        pats, lines = want.get(place, []), have.get(place, [])
        ok = len(pats) == len(lines) and all(
            re.fullmatch(p, l) for p, l in zip(pats, lines))
        if not ok:
            bad += 1
            print("%s: JSON and normal output differ" % place)
            print("  JSON:   %r" % pats)
            print("  normal: %r" % lines)
    n = sum(len(v) for v in want.values())
    print("%d result lines in %d places match" % (n, len(want))
          if not bad else "%d places differ" % bad)
    return 1 if bad else 0


def cmd_fields(path, web):
    web = int(web)
    recs = records(path)
    problems = []

    def expect(cond, what):
        if not cond:
            problems.append(what)

    types = [r["type"] for r in recs]
    expect(types[0] == "start" and types[-1] == "end" and
           types.count("start") == 1 and types.count("end") == 1,
           "one start record first, one end record last: %r" % types)
    for r in recs:
        try:
            datetime.strptime(r["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
        except (KeyError, ValueError):
            problems.append("bad time in %r" % r)
    hosts = [r for r in recs if r["type"] == "host"]
    expect(len(hosts) == 1 and hosts[0]["ip"] == "127.0.0.1",
           "one host record for 127.0.0.1")
    ports = {p["port"]: p for p in hosts[0].get("ports", [])} if hosts else {}
    expect(ports.get(web, {}).get("state") == "open", "port %d open" % web)
    by = {}
    for r in recs:
        if r["type"] == "script":
            by.setdefault((r["phase"], r["id"]), []).append(r)
    st = by.get(("portrule", "out-struct"), [{}])[0]
    expect(st.get("ip") == "127.0.0.1" and st.get("port") == web and
           st.get("protocol") == "tcp" and st.get("status") == "ok",
           "out-struct: where and status: %r" % st)
    expect(st.get("structured") == {
        "title": "hello", "list": ["a", "b", ["c1", "c2"]], "empty": {},
        "num": 42, "float": 2.5, "bool": True,
        "a<b&c": "quote\"d 'single' --dash-- tab\there",
        "ctrl": "bell\x07 cr\r nul\x00 high\xe9 utf8 \xe9"},
        "out-struct: structured value: %r" % st.get("structured"))
    expect(list(st.get("structured", {}).keys())[:3] == ["title", "list", "empty"],
           "out-struct: keys in the script's order")
    tx = by.get(("portrule", "out-text"), [{}])[0]
    expect(tx.get("output") == 'line one\n\nline <three> & "four"\n' and
           "structured" not in tx, "out-text: text only: %r" % tx)
    er = by.get(("hostrule", "out-err"), [{}])[0]
    expect(er.get("status") == "error" and "port" not in er and
           er.get("output", "").startswith("ERROR: Script execution failed"),
           "out-err: an error result: %r" % er)
    pre = by.get(("prerule", "out-pre"), [{}])[0]
    post = by.get(("postrule", "out-pre"), [{}])[0]
    expect(pre.get("structured") == {"count": 2, "items": ["x", "y"]} and
           pre.get("output") == "2 items: x, y" and "ip" not in pre,
           "out-pre prerule: %r" % pre)
    expect(post.get("structured") == 42 and post.get("output") == "42",
           "out-pre postrule: %r" % post)
    for r in recs:
        if r["type"] == "script":
            expect(r["elapsed"] >= 0, "elapsed >= 0: %r" % r)
    order = [i for i, r in enumerate(recs) if r["type"] == "host"]
    firsthost = [i for i, r in enumerate(recs)
                 if r["type"] == "script" and r["phase"] in ("portrule", "hostrule")]
    expect(order and firsthost and order[0] < firsthost[0],
           "the host record comes before its results")
    end = recs[-1]
    expect(end.get("hosts_total") == 1 and end.get("hosts_up") == 1 and
           end.get("hosts_down") == 0 and end.get("interrupted") is False,
           "end record: %r" % end)
    for p in problems:
        print(p)
    print("%d records as expected" % len(recs) if not problems
          else "%d problems" % len(problems))
    return 1 if problems else 0


def main():
    cmds = {"schema": cmd_schema, "match": cmd_match, "fields": cmd_fields}
    if len(sys.argv) != 4 or sys.argv[1] not in cmds:
        print(__doc__)
        return 2
    return cmds[sys.argv[1]](sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    sys.exit(main())
