# shellcheck shell=bash
# Sourced by bench/run.sh once every workload has run: prints the tables
# and the targets of issue 4 from the median records, and appends one
# machine-readable "ratio" line per target to $OUT. Uses run.sh's helpers
# (get, best, calc, kv) and variables.

# Socket operations (or, for sleep, stdnse.sleep calls) per result.
ops_per_result() {
  case $1/$2 in
  banner/* | mutex/*) echo 3 ;;  # connect, receive_lines, close
  workers/*) echo 5 ;;  # connect, receive_lines, send, receive_lines, close
  sleep/*) echo 10 ;;
  *) echo 0 ;;
  esac
}

# Prints a number with DIGITS decimals, or "-" when there is none.
num() {
  if [ -z "$1" ]; then printf -- '-'; else calc "$1" "${2:-2}"; fi
}

row() {
  local w=$1 tool=$2 v=$3 r wall cpu rss res threads ops inflight
  r=$(best "$w" "$tool" "$v")
  [ -n "$r" ] || return 0
  wall=$(kv "$r" wall_s)
  cpu=$(kv "$r" cpu_s)
  rss=$(kv "$r" maxrss_kb)
  res=$(kv "$r" results)
  [ -n "$res" ] || res=0
  threads=$(get "$w" nsx all threads)
  [ "$tool" = client ] && threads=
  ops=$(ops_per_result "$w" "$v")
  [ "$tool/$v" = client/scan ] && ops=2
  if [ "$tool" = client ]; then
    inflight=$(kv "$r" client_peak_inflight)
  else
    inflight=$(kv "$r" server_peak_conns)
  fi
  printf '%-8s %-6s %-7s %6s %7s %6s %6s %7s %7s %9s %7s %7s %8s %7s\n' \
    "$w" "$tool" "$v" "${inflight:--}" "$(num "$wall" 3)" "$(num "$cpu" 2)" \
    "$(num "$(kv "$r" server_cpu_s)" 2)" \
    "$(num "${rss:+$rss / 1024}" 0)" "$res" \
    "$( [ "$(calc "$wall > 0" 0)" = 1 ] && calc "$res / $wall" 0 || echo -)" \
    "$(num "$(kv "$r" scripts_s)" 3)" "$(num "$(kv "$r" discovery_s)" 3)" \
    "$( [ -n "$threads" ] && [ "$threads" -gt 0 ] &&
        calc "$cpu * 1e6 / $threads" 0 || echo -)" \
    "$( [ "$ops" -gt 0 ] && [ "$res" -gt 0 ] &&
        calc "$cpu * 1e6 / ($res * $ops)" 1 || echo -)"
}

# target NAME VALUE CMP LIMIT TEXT: prints and records one target.
target() {
  local name=$1 value=$2 cmp=$3 limit=$4 text=$5 met
  if [ -z "$value" ]; then
    printf '  %-22s %-48s %s\n' "$name" "$text" "not measured"
    return
  fi
  met=$(calc "$value $cmp $limit" 0)
  [ "$met" = 1 ] && met=MET || met=MISSED
  printf '  %-22s %-48s %10s  want %s %s  %s\n' "$name" "$text" \
    "$(calc "$value" 3)" "$cmp" "$limit" "$met"
  echo "ratio name=$name value=$(calc "$value" 4) cmp=$cmp limit=$limit" \
    "met=$met" >>"$OUT"
}

# paired W TOOL_A VAR_A FIELD_A TOOL_B VAR_B FIELD_B: the median over the
# rounds of A / B, each round's A and B taken from runs made one after the
# other (run.sh interleaves them), so that the machine getting slower or
# faster between rounds cancels out. Empty without a complete pair.
paired() {
  local fa=$TMP/records.$1.$2.$3 fb=$TMP/records.$1.$5.$6
  [ -s "$fa" ] && [ -s "$fb" ] || return 0
  awk -v fa="$4" -v fb="$7" '
    function field(name,   i) {
      for (i = 1; i <= NF; i++) if (index($i, name "=") == 1)
        return substr($i, length(name) + 2)
      return ""
    }
    FNR == 1 { file++ }
    { r = field("rep") }
    file == 1 { a[r] = field(fa) }
    file == 2 { b[r] = field(fb) }
    END {
      n = 0
      for (r in a) if ((r in b) && a[r] != "" && b[r] + 0 > 0) v[++n] = a[r] / b[r]
      if (n == 0) exit
      for (i = 2; i <= n; i++) { x = v[i]; for (j = i - 1; j >= 1 && v[j] > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
      printf "%.4f\n", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }' "$fa" "$fb"
}

# ratio A B: A / B, or empty if either is missing or B is zero.
ratio() {
  [ -n "$1" ] && [ -n "$2" ] && [ "$(calc "$2 > 0" 0)" = 1 ] &&
    calc "$1 / $2" 4
}

echo
echo "nsx bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
  "$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
  "$(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo)"
echo "targets $HOSTS, ports $PORT_LIST; medians of $REPEAT runs" \
  "(nmap: $NMAP_REPEAT); load average $LOAD_START at the start," \
  "$(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
printf '%-8s %-6s %-7s %6s %7s %6s %6s %7s %7s %9s %7s %7s %8s %7s\n' \
  workload tool variant flight "wall s" "CPU s" "srv s" "RSS MB" results \
  "res/s" \
  "script s" "disc s" "us/thr" "us/op"
for w in startup banner workers mutex sleep real; do
  row "$w" nsx one
  row "$w" nmap one
  row "$w" nsx all
  row "$w" nsx known
  row "$w" nmap all
  for v in same c1000 scan serial; do row "$w" client "$v"; done
done
cat <<'EOF'

  flight: most connections open at once at the server (nsx, nmap: port
  scan and scripts together) or in the client. srv s: the server's CPU
  time in the run (loopback handshakes are split between the two sides).
  script s: nsx's "scripts" span from its -d Timing line (it overlaps
  discovery: nsx streams hosts) or the sum of Nmap's "Completed NSE"
  lines; disc s likewise for the connect scan. us/thr: CPU microseconds
  per script thread (workers included); us/op: per socket operation of
  the script (connect, receive, send, close; for sleep, per stdnse.sleep
  call), port scan included. Client variants: same = as many in flight as
  nsx's known run had, c1000 = 1000 in flight, scan = connect and close
  only, serial = one at a time.
EOF

echo
printf '%-6s %-9s %7s %8s %8s %7s %7s %9s %9s\n' tool threads "wall s" \
  "spawn s" "total s" "CPU s" "RSS MB" "us/thr" "KB/thr"
for tool in nsx nmap; do
  for n in $(printf '%s\n' $SCALE $NMAP_SCALE | sort -nu); do
    for v in "n$n" "n${n}m0"; do
      r=$(best scale "$tool" "$v")
      [ -n "$r" ] || continue
      sp=$(kv "$r" spawn_ms)
      [ -n "$sp" ] && sp=$(calc "$sp / 1000" 3) || sp=-
      tot=$(kv "$r" total_ms)
      [ -n "$tot" ] && tot=$(calc "$tot / 1000" 3) || tot=-
      label=$n
      [ "$v" = "n${n}m0" ] && label="$n*"
      [ "$(kv "$r" results)" = "$n" ] || label="$label FAILED"
      printf '%-6s %-9s %7s %8s %8s %7s %7s %9s %9s\n' "$tool" "$label" \
        "$(num "$(kv "$r" wall_s)" 3)" "$sp" "$tot" \
        "$(num "$(kv "$r" cpu_s)" 2)" \
        "$(calc "$(kv "$r" maxrss_kb) / 1024" 0)" \
        "$(calc "$(kv "$r" cpu_s) * 1e6 / $n" 2)" \
        "$(calc "$(kv "$r" maxrss_kb) / $n" 2)"
    done
  done
done
echo "  spawn s, total s: from the script itself (nmap.clock_ms): spawning"
echo "  every worker, and until the last one has slept 1 s. *: with"
echo "  --script-memory 0. FAILED: the script did not report all its workers."

echo
echo "Targets (issue 4), from this run:"
# nsx's script phase: the "known" run, scripts on ADDR:PORT input with no
# discovery (nsx overlaps discovery and scripts, so within a full run the
# two cannot be told apart).
target sleep-scripts \
  "$(ratio "$(get sleep nmap all scripts_s)" "$(get sleep nsx known scripts_s)")" \
  '>=' 10 "sleep: Nmap NSE phase / nsx scripts phase"
target banner-vs-epoll \
  "$(paired banner nsx known scripts_s client same wall_s)" \
  '<=' 1.3 "banner: nsx scripts / epoll client, same flight"
target banner-e2e \
  "$(ratio "$(get banner nmap all wall_s)" "$(get banner nsx all wall_s)")" \
  '>=' 3 "banner: Nmap wall / nsx wall (end to end)"
target workers-vs-epoll \
  "$(paired workers nsx known scripts_s client same wall_s)" \
  '<=' 1.3 "workers: nsx scripts / epoll client, same flight"
target workers-e2e \
  "$(ratio "$(get workers nmap all wall_s)" "$(get workers nsx all wall_s)")" \
  '>=' 3 "workers: Nmap wall / nsx wall (end to end)"
target mutex-vs-epoll \
  "$(paired mutex nsx known scripts_s client serial wall_s)" \
  '<=' 1.3 "mutex: nsx scripts / epoll client, one at a time"
target startup-ms "$(v=$(get startup nsx one wall_s); [ -n "$v" ] && calc "$v * 1000" 2)" \
  '<' 30 "start-up: one script by path, one port (ms)"
target scale-100k-over \
  "$(v=$(get scale nsx n100000 wall_s); [ -n "$v" ] && calc "$v - 1" 3)" \
  '<=' 1.5 "scale: 100,000 threads, s beyond the 1 s sleep"
target scale-100k-rss \
  "$(v=$(get scale nsx n100000 maxrss_kb); [ -n "$v" ] && calc "$v / 1024" 1)" \
  '<' 200 "scale: 100,000 threads, peak RSS (MB)"
target scale-1m-done \
  "$(r=$(get scale nsx n1000000 results); [ -n "$r" ] &&
     { [ "$r" = 1000000 ] && echo 1 || echo 0; })" \
  '==' 1 "scale: 1,000,000 threads complete (1 = yes)"
target scale-1m-nolimit \
  "$(r=$(get scale nsx n1000000m0 results); [ -n "$r" ] &&
     { [ "$r" = 1000000 ] && echo 1 || echo 0; })" \
  '==' 1 "scale: the same with --script-memory 0"
# Linear: time and CPU beyond the 1 s sleep, per thread, at 1M over at
# 100k, from the million-thread run that completed.
big=
for v in n1000000 n1000000m0; do
  [ "$(get scale nsx "$v" results)" = 1000000 ] && { big=$v; break; }
done
target scale-linear \
  "$(a=$(get scale nsx "$big" wall_s); b=$(get scale nsx n100000 wall_s)
     [ -n "$big" ] && [ -n "$a" ] && [ -n "$b" ] &&
       calc "(($a - 1) / 1000000) / (($b - 1) / 100000)" 4)" \
  '<=' 1.25 "scale: (T-1s)/thread at 1M over at 100k"
target scale-cpu-linear \
  "$(a=$(get scale nsx "$big" cpu_s); b=$(get scale nsx n100000 cpu_s)
     [ -n "$big" ] && [ -n "$a" ] && [ -n "$b" ] &&
       calc "($a / 1000000) / ($b / 100000)" 4)" \
  '<=' 1.25 "scale: CPU/thread at 1M over at 100k"
# nsx streams hosts, so its scripts span overlaps discovery; the part
# after discovery is what no port scan hides.
tail_s() {
  local a b
  a=$(get "$1" nsx all scanphase_s)
  b=$(get "$1" nsx all discovery_s)
  [ -n "$a" ] && [ -n "$b" ] && calc "$a - $b" 3
}
echo "  No target, for reading the above:"
echo "    nsx scripts / epoll client as a ratio of the medians (the targets" \
  "use the median of each round's ratio): banner" \
  "$(num "$(ratio "$(get banner nsx known scripts_s)" "$(get banner client same wall_s)")" 3)," \
  "workers $(num "$(ratio "$(get workers nsx known scripts_s)" "$(get workers client same wall_s)")" 3)," \
  "mutex $(num "$(ratio "$(get mutex nsx known scripts_s)" "$(get mutex client serial wall_s)")" 3)"
echo "    Nmap wall / nsx wall: mutex" \
  "$(num "$(ratio "$(get mutex nmap all wall_s)" "$(get mutex nsx all wall_s)")" 2)x," \
  "sleep $(num "$(ratio "$(get sleep nmap all wall_s)" "$(get sleep nsx all wall_s)")" 2)x," \
  "real $(num "$(ratio "$(get real nmap all wall_s)" "$(get real nsx all wall_s)")" 2)x"
echo "    Nmap NSE / nsx scripts: banner" \
  "$(num "$(ratio "$(get banner nmap all scripts_s)" "$(get banner nsx all scripts_s)")" 2)x," \
  "workers $(num "$(ratio "$(get workers nmap all scripts_s)" "$(get workers nsx all scripts_s)")" 2)x," \
  "mutex $(num "$(ratio "$(get mutex nmap all scripts_s)" "$(get mutex nsx all scripts_s)")" 2)x"
echo "    nsx scripts after discovery ended (scan phase - discovery): banner" \
  "$(num "$(tail_s banner)" 3)s, workers $(num "$(tail_s workers)" 3)s," \
  "mutex $(num "$(tail_s mutex)" 3)s, sleep $(num "$(tail_s sleep)" 3)s"
echo "    epoll client, connect scan + banners (end-to-end floor for banner):" \
  "$(a=$(get banner client scan wall_s); b=$(get banner client c1000 wall_s)
     [ -n "$a" ] && [ -n "$b" ] && calc "$a + $b" 3 || echo -)s;" \
  "nsx wall / that: $(num "$(a=$(get banner client scan wall_s)
     b=$(get banner client c1000 wall_s)
     [ -n "$a" ] && [ -n "$b" ] && ratio "$(get banner nsx all wall_s)" "$(calc "$a + $b" 4)")" 2)x"
# CPU time is less disturbed by other processes than wall time.
cpu_floor() {
  local a=0 k v
  for k in "$@"; do
    v=$(get ${k//./ } cpu_s)
    [ -n "$v" ] || return 0
    a=$(calc "$a + $v" 4)
  done
  echo "$a"
}
echo "    CPU, nsx over the epoll client making the same connections (port" \
  "scan included): banner" \
  "$(num "$(ratio "$(get banner nsx all cpu_s)" "$(cpu_floor banner.client.scan banner.client.c1000)")" 2)x," \
  "workers $(num "$(ratio "$(get workers nsx all cpu_s)" "$(cpu_floor workers.client.same)")" 2)x," \
  "mutex $(num "$(ratio "$(get mutex nsx all cpu_s)" "$(cpu_floor mutex.client.serial banner.client.scan)")" 2)x"
# The CPU of the scale runs split: user time is the engine's own work;
# system time is mostly the kernel zeroing fresh pages, which on a VM also
# depends on whether the hypervisor had backed them before.
per_thr() {  # per_thr VARIANT FIELD N: microseconds per thread
  local v
  v=$(get scale nsx "$1" "$2")
  [ -n "$v" ] && calc "$v * 1000000 / $3" 3
}
echo "    scale, user CPU per thread: 100k $(num "$(per_thr n100000 user_s 100000)" 3) us," \
  "1M $(num "$(per_thr "${big:-n1000000}" user_s 1000000)" 3) us;" \
  "system: 100k $(num "$(per_thr n100000 sys_s 100000)" 3) us," \
  "1M $(num "$(per_thr "${big:-n1000000}" sys_s 1000000)" 3) us"
