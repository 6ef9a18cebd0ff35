#!/usr/bin/env python3
"""Checks that the code, 'nsx --help', the man page and the bash completion
name the same options, so that they stay true to each other as options are
added.

    check-options.py NSX OPTIONS_C MANPAGE COMPLETION

The options the code accepts are found in two ways. Long options are read
from the LONGOPTS table of src/cli/options.c. Short options are handled by
branches rather than a table, so candidates are built from what the source
mentions (option-like words, and the characters it compares argv against)
and each is put to the binary itself: 'nsx --version CANDIDATE' is refused
with "unknown option", "not supported" or "invalid option" unless the
option exists. A word that extends a known short option ("-vv", "-p80") is
a value of it, not an option of its own. Long options are put to the binary
too, so a table this script misreads fails loudly.

Then every option must appear in the help, in a tagged paragraph of the
man page's OPTIONS section, and in the completion's option list; and every
option those name must be accepted by the binary. Prints TAP."""

import os
import re
import subprocess
import sys

TOKEN = re.compile(r"(?<![\w.\-/])(--?[A-Za-z0-9][A-Za-z0-9-]*)")
# "-T0..5" (the help's way of writing a family of options).
RANGE = re.compile(r"(?<![\w.\-/])(-[A-Za-z]+)(\d)\.\.(\d)(?!\d)")
REFUSED = re.compile(r"unknown option|not supported|invalid option")

MAN_SECTIONS = [
    "NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "TARGET SPECIFICATION",
    "SCRIPT SELECTION", "OUTPUT", "EXIT STATUS", "SIGNALS", "ENVIRONMENT",
    "FILES", "DIFFERENCES FROM NMAP", "SEE ALSO",
]

results = []


def tap(ok, what, detail=None):
    results.append(ok)
    print("%s %d - %s" % ("ok" if ok else "not ok", len(results), what))
    if not ok and detail:
        for line in str(detail).splitlines():
            print("#   " + line)


def tokens(text):
    found = set(TOKEN.findall(text))
    for prefix, lo, hi in RANGE.findall(text):
        for d in range(int(lo), int(hi) + 1):
            found.add("%s%d" % (prefix, d))
    return found


class Probe:
    """Asks the binary whether it accepts a word as an option."""

    def __init__(self, nsx):
        self.nsx = nsx
        self.cache = {}
        self.env = dict(os.environ, LC_ALL="C")

    def known(self, word):
        if word not in self.cache:
            try:
                p = subprocess.run([self.nsx, "--version", word],
                                   stdin=subprocess.DEVNULL,
                                   capture_output=True, text=True,
                                   env=self.env, timeout=30)
                ok = p.returncode == 0 or not REFUSED.search(p.stderr)
            except subprocess.TimeoutExpired:
                ok = False
            self.cache[word] = ok
        return self.cache[word]


def long_table(source):
    """Names in the LONGOPTS table, or None if there is no such table."""
    m = re.search(r"\bLONGOPTS\s*\[\s*\]\s*=\s*\{(.*?)\n\};", source, re.S)
    if not m:
        return None
    return ["--" + n for n in re.findall(r'\{\s*"([^"]+)"\s*,', m.group(1))]


def short_candidates(source):
    """Words the short-option branches might accept."""
    cands = {t for t in tokens(source) if not t.startswith("--")}
    chars = set(re.findall(r"'([A-Za-z0-9])'", source))
    for lit in re.findall(r'strchr\(\s*"([^"]*)"', source):
        chars.update(c for c in lit if c.isalnum())
    if any(c.isdigit() for c in chars):
        chars.update("0123456789")
    for c in chars:
        cands.add("-" + c)
        for d in chars:
            cands.add("-" + c + d)
    return cands


def code_options(probe, source):
    longs = long_table(source)
    tap(longs is not None and len(longs) >= 5,
        "options.c has a LONGOPTS table (%d entries)" % len(longs or []))
    longs = longs or []
    bad = [o for o in longs if not probe.known(o)]
    tap(not bad, "the binary accepts every LONGOPTS entry",
        "refused: " + " ".join(bad))
    # A long option handled outside the table (by strcmp) still counts.
    extra = {t for t in tokens(source) if t.startswith("--")
             and t not in longs and probe.known(t)}
    found = {c for c in short_candidates(source) if probe.known(c)}
    shorts = set()
    for word in sorted(found, key=len):
        if not any(word.startswith(s) for s in shorts):
            shorts.add(word)
    tap(len(shorts) >= 5, "short options found: " + " ".join(sorted(shorts)))
    tap(not probe.known("--no-such-option-for-the-test") and
        not probe.known("-Q9"), "the binary refuses made-up options")
    return set(longs) | extra | shorts


def troff_text(line):
    """The text of one troff source line, fonts and escapes removed."""
    m = re.match(r"^\.(B|I|SM|BR|BI|IR|RB|IB|RI)\s+(.*)$", line)
    if m:
        words = re.findall(r'"((?:[^"]|"")*)"|(\S+)', m.group(2))
        words = [a if a or not b else b for a, b in words]
        sep = " " if m.group(1) in ("B", "I", "SM") else ""
        line = sep.join(words)
    elif line.startswith("."):
        return ""
    line = line.replace("\\-", "-").replace("\\e", "\\")
    line = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", line)
    line = re.sub(r"\\\((..)", " ", line)
    line = re.sub(r"\\[&%|^]", "", line)
    return line


def man_options(page):
    """Options in the tags of the OPTIONS section, and the section names."""
    lines = page.splitlines()
    sections = [re.sub(r'^\.SH\s+"?([^"]*)"?\s*$', r"\1", l)
                for l in lines if l.startswith(".SH")]
    found, inside = set(), False
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            inside = sections and line.split(None, 1)[1:] == ["OPTIONS"]
            continue
        if inside and line.startswith(".TP") and i + 1 < len(lines):
            found |= tokens(troff_text(lines[i + 1]))
    return found, sections


def help_options(text):
    """All option words in the help, and those in its option column."""
    column = set()
    for line in text.splitlines():
        if re.match(r"^ {2}-", line):
            column |= tokens(re.split(r"\s{2,}", line.strip())[0])
    return tokens(text), column


def completion_options(script):
    m = re.search(r"\bopts='([^']*)'", script)
    return set(m.group(1).split()) if m else set()


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.split("\n\n")[1])
    nsx, options_c, manpage, completion = sys.argv[1:]
    probe = Probe(nsx)
    with open(options_c) as f:
        source = f.read()
    with open(manpage) as f:
        page = f.read()
    with open(completion) as f:
        script = f.read()

    code = code_options(probe, source)

    p = subprocess.run([nsx, "--help"], capture_output=True, text=True)
    tap(p.returncode == 0 and p.stdout.startswith("Usage: nsx"),
        "nsx --help prints the usage", p.stderr)
    in_help, help_column = help_options(p.stdout)
    missing = sorted(code - in_help)
    tap(not missing, "--help names every option",
        "missing: " + " ".join(missing))
    stale = sorted(o for o in help_column if not probe.known(o))
    tap(not stale, "every option in --help's option column exists",
        "not accepted: " + " ".join(stale))

    in_man, sections = man_options(page)
    absent = [s for s in MAN_SECTIONS if s not in sections]
    tap(not absent, "nsx.1 has the sections " + ", ".join(MAN_SECTIONS),
        "absent: " + ", ".join(absent))
    missing = sorted(code - in_man)
    tap(not missing, "nsx.1 has a paragraph for every option",
        "missing: " + " ".join(missing))
    stale = sorted(o for o in in_man if not probe.known(o))
    tap(not stale, "every option nsx.1 documents exists",
        "not accepted: " + " ".join(stale))

    in_comp = completion_options(script)
    missing = sorted(code - in_comp)
    tap(not missing, "the bash completion offers every option",
        "missing: " + " ".join(missing))
    stale = sorted(o for o in in_comp if not probe.known(o))
    tap(not stale, "every option the completion offers exists",
        "not accepted: " + " ".join(stale))

    print("1..%d" % len(results))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
