#!/usr/bin/env python3
"""xmlcmp.py NMAP.xml NSX.xml: compare nsx's -oX with Nmap's for one scan.

Every <script> element (with its <elem>/<table> children) must be
byte-identical, found by (host, port or section, script id), since Nmap
7.93 orders a port's results arbitrarily and nsx sorts them by id. The
rest of the document must have the same structure once the attributes that
legitimately differ are dropped: times and dates, the command line, the
version, the <times> values and the run summary. nsx's results must also
come in script-id order. Prints each difference and exits 1 if any.
"""
import re
import sys
import xml.etree.ElementTree as ET

SCRIPT_RE = re.compile(rb'<script id="([^"]*)" output="[^"]*"(?:/>|>.*?</script>)',
                       re.S)
MARK_RE = re.compile(rb'<address addr="([^"]*)"|<port protocol="([^"]*)" portid="([^"]*)"'
                     rb'|<(prescript|hostscript|postscript)>')

# Attributes dropped before the structural comparison.
VOLATILE = {
    "nmaprun": {"args", "start", "startstr", "version"},
    "host": {"starttime", "endtime"},
    "times": {"srtt", "rttvar", "to"},
    "finished": {"time", "timestr", "summary", "elapsed"},
}


def scripts(raw):
    """{(context, id): [raw element bytes]} and the ids per context in order."""
    marks = [(m.start(), m) for m in MARK_RE.finditer(raw)]
    found, order = {}, {}
    addr, ctx, mi = b"-", b"?", 0
    for m in SCRIPT_RE.finditer(raw):
        while mi < len(marks) and marks[mi][0] < m.start():
            mk = marks[mi][1]
            if mk.group(1) is not None:
                addr = mk.group(1)
            elif mk.group(2) is not None:
                ctx = addr + b" port " + mk.group(3) + b"/" + mk.group(2)
            elif mk.group(4) in (b"prescript", b"postscript"):
                ctx = mk.group(4)
            else:
                ctx = addr + b" hostscript"
            mi += 1
        found.setdefault((ctx, m.group(1)), []).append(m.group(0))
        order.setdefault(ctx, []).append(m.group(1))
    return found, order


def canon(elem, out, depth=0):
    """A line per element: tag, kept attributes, text; scripts by id."""
    drop = VOLATILE.get(elem.tag, set())
    if elem.tag == "script":  # compared byte for byte already
        out.append('%s<script id="%s">' % ("  " * depth, elem.get("id")))
        return
    attrs = " ".join('%s="%s"' % (k, v) for k, v in sorted(elem.attrib.items())
                     if k not in drop)
    text = (elem.text or "").strip()
    out.append("%s<%s %s>%s" % ("  " * depth, elem.tag, attrs, text))
    kids = list(elem)
    if elem.tag in ("port", "hostscript", "prescript", "postscript"):
        rest = [k for k in kids if k.tag != "script"]
        kids = rest + sorted((k for k in kids if k.tag == "script"),
                             key=lambda k: k.get("id"))
    for k in kids:
        canon(k, out, depth + 1)


def main():
    a_raw = open(sys.argv[1], "rb").read()
    b_raw = open(sys.argv[2], "rb").read()
    bad = 0
    a_s, _ = scripts(a_raw)
    b_s, b_order = scripts(b_raw)
    for key in sorted(set(a_s) | set(b_s)):
        if a_s.get(key) != b_s.get(key):
            bad += 1
            print("script %s %s differs:" % (key[0].decode(), key[1].decode()))
            print("  nmap: %r" % a_s.get(key))
            print("  nsx:  %r" % b_s.get(key))
    for ctx, ids in b_order.items():
        if ids != sorted(ids):
            bad += 1
            print("nsx results of %s not in id order: %r" % (ctx.decode(), ids))
    a_c, b_c = [], []
    canon(ET.fromstring(a_raw), a_c)
    canon(ET.fromstring(b_raw), b_c)
    if a_c != b_c:
        import difflib
        bad += 1
        print("structure differs:")
        for line in difflib.unified_diff(a_c, b_c, "nmap", "nsx", lineterm="",
                                         n=2):
            print("  " + line)
    n = sum(len(v) for v in b_s.values())
    print("compared %d script elements%s" % (n, ", all identical" if not bad else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
