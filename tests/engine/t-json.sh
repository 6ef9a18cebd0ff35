#!/bin/sh
# -oJ: JSON Lines valid against doc/nsx-jsonl.schema.json, whose script
# records say what normal output shows; -oA's three files; records written
# host by host.
. "${ENGINE_DIR:-$(dirname "$0")}/lib.sh"
O="$SCRIPTS/out"
SCHEMA="$ENGINE_DIR/../../doc/nsx-jsonl.schema.json"
DTD=/usr/share/nmap/nmap.dtd
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if ! command -v "$PY" >/dev/null 2>&1; then
  echo "1..0 # SKIP python3 missing"
  exit 77
fi

# check_py NAME WHAT ARGS...: jsoncheck.py ARGS succeeds (77: skipped).
check_py() {
  cp_name=$1
  cp_what=$2
  shift 2
  cp_rc=0
  "$PY" "$O/jsoncheck.py" "$@" >"$OUT/$cp_name.check" 2>&1 || cp_rc=$?
  if [ "$cp_rc" -eq 0 ]; then
    tap OK "$cp_name: $cp_what: $(tail -n 1 "$OUT/$cp_name.check")"
  elif [ "$cp_rc" -eq 77 ]; then
    tap OK "$cp_name: $cp_what # SKIP $(tail -n 1 "$OUT/$cp_name.check") (Debian package python3-jsonschema)"
  else
    tap NOTOK "$cp_name: $cp_what" "$OUT/$cp_name.check"
  fi
}

srv_start WEB http
srv_start BAN banner 'SSH-2.0-OpenSSH_9.2p1 Debian\r\n'
srv_start GONE echo
srv_stop GONE

# -oA: the three files of one run, checked against each other.
run_nsx all -sT -Pn -p "$GONE,$WEB,$BAN" \
  --script "+http-title,+http-headers,+http-methods,banner,$O/" \
  --script-args "out.port=$WEB,out.vport=$BAN,banner.timeout=1s" \
  -oA "$OUT/all" 127.0.0.1
check_rc all 0
if [ -s "$OUT/all.nmap" ] && [ -s "$OUT/all.xml" ] && [ -s "$OUT/all.jsonl" ] &&
    [ ! -e "$OUT/all.gnmap" ]; then
  tap OK "all: -oA wrote BASE.nmap, BASE.xml, BASE.jsonl (no .gnmap)"
else
  tap NOTOK "all: -oA wrote BASE.nmap, BASE.xml, BASE.jsonl (no .gnmap)"
fi
check_has all '^# nsx .* scan initiated .* as: ' nmap
check_has all '^</nmaprun>$' xml
if ! command -v xmllint >/dev/null 2>&1; then
  tap OK "all: BASE.xml valid against nmap.dtd # SKIP xmllint missing (Debian package libxml2-utils)"
elif xmllint --noout --dtdvalid "$DTD" "$OUT/all.xml" >"$OUT/all.lint" 2>&1; then
  tap OK "all: BASE.xml valid against nmap.dtd"
else
  tap NOTOK "all: BASE.xml valid against nmap.dtd" "$OUT/all.lint"
fi
check_py schema "records valid against the schema" schema "$OUT/all.jsonl" "$SCHEMA"
check_py match "script records match normal output" match "$OUT/all.jsonl" "$OUT/all.nmap"
check_py fields "records carry the test scripts' values" fields "$OUT/all.jsonl" "$WEB"

# jq, when installed, reads every line, and selects what a user would.
if command -v jq >/dev/null 2>&1; then
  if jq -e . "$OUT/all.jsonl" >/dev/null 2>"$OUT/jq.err" &&
      [ "$(jq -r "select(.type == \"script\" and .port == $WEB) | .id" "$OUT/all.jsonl" | tr '\n' ' ')" = \
        "http-headers http-methods http-title out-struct out-text " ] &&
      [ "$(jq -r 'select(.type == "host") | .ports[] | select(.state == "open") | .port' "$OUT/all.jsonl" | wc -l)" -eq 2 ]; then
    tap OK "jq: parses every line; selects results by port"
  else
    jq -c . "$OUT/all.jsonl" >>"$OUT/jq.err" 2>&1
    tap NOTOK "jq: parses every line; selects results by port" "$OUT/jq.err"
  fi
else
  tap OK "jq: parses every line # SKIP jq missing (Debian package jq)"
fi

# -sn: host records without ports; a name as target.
run_nsx sn -sn -Pn --script "$O/out-host.nse" -oJ "$OUT/sn.jsonl" localhost
check_rc sn 0
check_has sn '^\{"type":"host",.*"ip":"127.0.0.1","targetname":"localhost"' jsonl
check_lacks sn '^\{"type":"host".*"ports":\[' jsonl
check_py sn "records valid against the schema" schema "$OUT/sn.jsonl" "$SCHEMA"

# -oJ - puts the records, and only them, on stdout.
run_nsx stdout -n -Pn -sn --script "$O/out-host.nse" -oJ - 127.0.0.1
check_rc stdout 0
check_lacks stdout '^[^{]'
check_has stdout '^\{"type":"script",.*"phase":"hostrule","id":"out-host","ip":"127.0.0.1",'
check_py stdout "records valid against the schema" schema "$OUT/stdout.out" "$SCHEMA"

# Streaming: a host's records are in the file, flushed, while another
# host's script is still running.
"$NSX" -n -Pn -sn --script "$O/out-slow.nse" \
  --script-args out.slowip=127.0.0.3,out.sleep=4 -oJ "$OUT/stream.jsonl" \
  127.0.0.1 127.0.0.3 >/dev/null 2>&1 &
STREAM_PID=$!
i=0
while [ $i -lt 30 ] && ! grep -q '"output":"done 127.0.0.1"' "$OUT/stream.jsonl" 2>/dev/null; do
  i=$((i + 1))
  sleep 0.1
done
if grep -q '"output":"done 127.0.0.1"' "$OUT/stream.jsonl" &&
    ! grep -q '"ip":"127.0.0.3"' "$OUT/stream.jsonl" &&
    kill -0 "$STREAM_PID" 2>/dev/null; then
  tap OK "stream: first host's records written while the second one runs"
else
  tap NOTOK "stream: first host's records written while the second one runs" "$OUT/stream.jsonl"
fi
wait "$STREAM_PID" || :
check_has stream '^\{"type":"end",.*"hosts_total":2,"hosts_up":2,' jsonl

# Bad output options: one clear line, nothing scanned.
run_nsx unwritable -n -sn -oJ "$OUT/no-such-dir/x.jsonl" 127.0.0.1
check_rc unwritable 2
check_has unwritable "^nsx: cannot open '.*/no-such-dir/x.jsonl' for -oJ: No such file or directory$" err
run_nsx unwritable_a -n -sn -oA "$OUT/no-such-dir/base" 127.0.0.1
check_rc unwritable_a 2
check_has unwritable_a "^nsx: cannot open '.*/no-such-dir/base.nmap' for -oA: " err
run_nsx dasha -n -sn -oA - 127.0.0.1
check_rc dasha 2
check_has dasha "^nsx: -oA needs a base file name" err
finish
