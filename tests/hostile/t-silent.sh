#!/bin/sh
# A server that accepts and never says a word: every receive ends by its
# socket timeout (TIMEOUT), so does a TLS handshake, and a thread with no
# socket timeout at all is ended by --script-timeout. The neighbour's
# result is there and descriptors return to their baseline. Then
# --host-timeout cuts three such hosts, and what their other threads
# found is still reported.
. "${HOSTILE_DIR:-$(dirname "$0")}/lib.sh"
srv_start SILENT silent
srv_start ECHO echo
ARGS="hostile.port=$SILENT,hang.port=$SILENT,hostile.timeout=300"
ARGS="$ARGS,bystander.port=$ECHO,watch.port=$ECHO"

run_watch silent -n -Pn -sn --script-timeout 3s \
  --script "$(scripts hostile hang bystander watch)" \
  --script-args "$ARGS,hostile.probes={receive,buf,lines,bytes,ssl,drain}" \
  -oJ "$OUT/silent.jsonl" 127.0.0.1
check_rc silent 0
for p in receive buf lines bytes ssl; do
  check_has silent "^\|.* $p: nil TIMEOUT$"
done
check_has silent '^\|.* drain: 0 bytes then nil TIMEOUT$'
check_status silent hang timeout
check_lacks silent 'not reached'
check_has silent '^\|_bystander: 20 of 20 round trips$'
watch_values silent
check_le silent "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"

run_watch hostto -n -Pn -sn --host-timeout 2s \
  --script "$(scripts hostile hang bystander watch)" \
  --script-args "$ARGS,hostile.probes={receive,drain}" \
  -oJ "$OUT/hostto.jsonl" 127.0.0.1-3
check_rc hostto 0
n=$(grep -c 'Skipped the rest of this host: --host-timeout reached' \
  "$OUT/hostto.out")
check_le hostto "hosts not cut by --host-timeout (of 3)" $((3 - n)) 0
for id in hostile bystander; do
  n=$(grep -c "\"id\":\"$id\".*\"status\":\"ok\"" "$OUT/hostto.jsonl")
  check_le hostto "hosts without the $id result (of 3)" $((3 - n)) 0
done
n=$(grep -c '"id":"hang".*"status":"timeout"' "$OUT/hostto.jsonl")
check_le hostto "hang threads not ended (of 3)" $((3 - n)) 0
watch_values hostto
check_le hostto "descriptors at the end (baseline $FDS_BASE)" "$FDS_END" \
  "$FDS_BASE"
finish
