#!/usr/bin/env bash
# make bench: runs the workloads of bench/scripts with nsx, with Nmap and
# with the epoll client (the machine's limit), and prints wall time, CPU
# time, peak RSS and results per second for each, the ratios and the
# targets of issue 4. bench/RESULTS.md explains the workloads and records
# a run. Usage: bench/run.sh [BUILD_DIR]
#
# Network safety: every connection goes to 127.0.0.0/8, to epoll-server and
# nginx, which this script starts and stops by PID. Every run is bounded by
# measure's time limit, every wait by a loop count.
#
# Environment (defaults in brackets):
#   BENCH_REPEAT       runs of each nsx and epoll-client measurement; the
#                      median by wall time is reported; the vs-epoll targets
#                      take the median of the rounds' ratios [7]
#   BENCH_NMAP_REPEAT  runs of each Nmap measurement [1; banner at least 3]
#   BENCH_WARMUP       unrecorded rounds of nsx and the client before the
#                      measured ones, in workloads that compare the two [1]
#   BENCH_HOSTS        the targets standing in for hosts [127.0.0.0/22]
#   BENCH_REAL_HOSTS   nginx's addresses for the real-scripts workload
#                      [127.0.0.0/22]
#   BENCH_SCALE        nsx's scale sizes [10000 100000 1000000]
#   BENCH_NMAP_SCALE   Nmap's scale sizes [10000 100000]
#   BENCH_ONLY         workloads to run, from: startup banner workers mutex
#                      sleep scale real [all of them]
#   BENCH_NMAP         0 to leave Nmap out [1]
#   BENCH_OUT          the machine-readable results [BUILD/bench/results.txt]
# The CMD_* arrays are read through eval in run_key; commas in them
# separate script names, not array elements.
# shellcheck disable=SC2034,SC2054
set -u

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
REPEAT=${BENCH_REPEAT:-7}
NMAP_REPEAT=${BENCH_NMAP_REPEAT:-1}
WARMUP=${BENCH_WARMUP:-1}
HOSTS=${BENCH_HOSTS:-127.0.0.0/22}
REAL_HOSTS=${BENCH_REAL_HOSTS:-127.0.0.0/22}
SCALE=${BENCH_SCALE:-10000 100000 1000000}
NMAP_SCALE=${BENCH_NMAP_SCALE:-10000 100000}
ONLY=${BENCH_ONLY:-startup banner workers mutex sleep scale real}
USE_NMAP=${BENCH_NMAP:-1}
OUT=${BENCH_OUT:-$BUILD/bench/results.txt}
SCRIPTS=$HERE/scripts
NSX=$BUILD/nsx
BB=$BUILD/bench
MEASURE=$BB/measure
RUN_LIMIT=180   # seconds for any one measured run

die() { echo "bench: $*" >&2; exit 1; }

read -ra HOST_ARGS <<<"$HOSTS"
read -ra REAL_ARGS <<<"$REAL_HOSTS"
for t in "${HOST_ARGS[@]}" "${REAL_ARGS[@]}"; do
  case $t in 127.*) ;; *) die "target $t is not in 127.0.0.0/8" ;; esac
done
[ -x "$NSX" ] || die "$NSX not found: build first (make build)"
if [ ! -x "$MEASURE" ] || [ ! -x "$BB/epoll-server" ] ||
   [ ! -x "$BB/epoll-client" ]; then
  # A build tree configured before bench/ existed does not know it yet.
  cmake -S "$ROOT" -B "$BUILD" >/dev/null &&
    cmake --build "$BUILD" --target bench-measure bench-epoll-server \
      bench-epoll-client >/dev/null || die "cannot build the bench tools"
fi
if [ "$USE_NMAP" = 1 ] && ! command -v nmap >/dev/null 2>&1; then
  echo "bench: nmap not installed; its columns stay empty" >&2
  USE_NMAP=0
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/nsx-bench.XXXXXX") || die "no temp dir"
SRV_PID=
NGINX_PID=
stop_pid() {
  local pid=$1 i=0
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
cleanup() {
  stop_pid "$NGINX_PID"
  stop_pid "$SRV_PID"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wants() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", ($1) }"; }
# The value of KEY in a line of key=value words.
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# The server: ten ports below the ephemeral range, from the first base
# whose ports are all free.
start_server() {
  local base p i
  for base in 29100 27100 25100 23100 21100; do
    PORTS=""
    for p in 1 2 3 4 5 6 7 8 9 10; do PORTS="$PORTS $((base + p))"; done
    : >"$TMP/srv.out"
    # shellcheck disable=SC2086
    "$BB/epoll-server" -t 1800 -s "$TMP/stats" $PORTS \
      >"$TMP/srv.out" 2>"$TMP/srv.err" &
    SRV_PID=$!
    i=0
    while [ $i -lt 100 ]; do
      grep -q '^READY' "$TMP/srv.out" && break
      kill -0 "$SRV_PID" 2>/dev/null || break
      sleep 0.05
      i=$((i + 1))
    done
    if grep -q '^READY' "$TMP/srv.out"; then
      PORTS=${PORTS# }
      PORT_LIST=${PORTS// /,}
      PORT1=${PORTS%% *}
      return 0
    fi
    stop_pid "$SRV_PID"
    SRV_PID=
  done
  cat "$TMP/srv.err" >&2
  die "no free set of ports for epoll-server"
}

# Ends the server's counting interval; prints its counters.
server_stats() {
  local before after i=0
  before=$(wc -l <"$TMP/stats" 2>/dev/null || echo 0)
  kill -USR1 "$SRV_PID" 2>/dev/null || return 0
  while [ $i -lt 100 ]; do
    after=$(wc -l <"$TMP/stats" 2>/dev/null || echo 0)
    [ "$after" -gt "$before" ] && break
    sleep 0.02
    i=$((i + 1))
  done
  tail -n 1 "$TMP/stats"
}

# run LABEL COMMAND...: one measured run; its files are $TMP/LABEL.*.
run() {
  local label=$1
  shift
  server_stats >/dev/null  # Start the server's interval here.
  rm -f "$TMP/$label.m"
  "$MEASURE" -t "$RUN_LIMIT" -o "$TMP/$label.m" -- "$@" \
    >"$TMP/$label.out" 2>"$TMP/$label.err" </dev/null
  server_stats >"$TMP/$label.srv"
  [ -s "$TMP/$label.m" ] || echo "wall_s=0 cpu_s=0 exit=125" >"$TMP/$label.m"
}

# Phase times: nsx prints one "NSE: Timing:" line at -d; Nmap prints a
# "Completed ... elapsed" line per phase and host group, which we add up.
phases() {
  local tool=$1 out=$2 line
  case $tool in
  nsx)
    line=$(grep -m1 'NSE: Timing:' "$out")
    [ -n "$line" ] || return 0
    printf '%s\n' "$line" | sed -E 's/.*pre-scan ([0-9.]+)s, discovery ([0-9.]+)s, scripts ([0-9.]+)s, scan phase ([0-9.]+)s, post-scan ([0-9.]+)s; ([0-9]+) threads, ([0-9]+) resumes.*/prescan_s=\1 discovery_s=\2 scripts_s=\3 scanphase_s=\4 postscan_s=\5 threads=\6 resumes=\7/'
    ;;
  nmap)
    awk '/^Completed NSE at/ { n += $(NF-1) }
         /^Completed Connect Scan at/ { for (i = 1; i <= NF; i++)
           if ($i ~ /s$/ && $(i+1) == "elapsed") { c += $i + 0 } }
         END { printf "scripts_s=%.2f discovery_s=%.2f\n", n, c }' "$out"
    ;;
  esac
}

# results WORKLOAD TOOL OUTFILE: how many round trips or threads came out
# right.
results() {
  local w=$1 tool=$2 out=$3
  case $tool in
  client)
    kv "$(grep -m1 client_ok "$out")" client_ok
    return ;;
  esac
  case $w in
  startup) grep -c "bench-banner: ok" "$out" ;;
  banner | mutex | sleep) grep -c "bench-$w: ok" "$out" ;;
  workers)
    sed -n 's/.*bench-workers: ok \([0-9]*\)\/.*/\1/p' "$out" |
      awk '{ s += $1 } END { print s + 0 }' ;;
  scale)
    sed -n 's/.*bench-scale: n=\([0-9]*\) .*/\1/p' "$out" |
      awk '{ n = $1 } END { print n + 0 }' ;;
  real)
    echo $(($(grep -c 'http-title: nsx bench page' "$out") +
      $(grep -c 'banner: 220 nsx-bench ready' "$out"))) ;;
  esac
}

# record WORKLOAD TOOL VARIANT LABEL [K=V...]: the record of one run,
# appended to $OUT and to $TMP/records.WORKLOAD.TOOL.VARIANT.
record() {
  local w=$1 tool=$2 variant=$3 label=$4 rec
  shift 4
  rec="bench=$w tool=$tool variant=$variant $(cat "$TMP/$label.m")"
  rec="$rec results=$(results "$w" "$tool" "$TMP/$label.out")"
  if [ "$tool" = client ]; then
    rec="$rec $(grep -m1 client_ok "$TMP/$label.out" | sed 's/client_ok=[0-9]* //')"
  else
    rec="$rec $(phases "$tool" "$TMP/$label.out")"
  fi
  if [ "$w" = scale ]; then
    rec="$rec $(sed -n 's/.*bench-scale: n=[0-9]* \(spawn_ms=[0-9]*\) \(total_ms=[0-9]*\).*/\1 \2/p' "$TMP/$label.out" | head -n 1)"
  fi
  rec="$rec $(cat "$TMP/$label.srv" 2>/dev/null) $*"
  rec=$(printf '%s\n' "$rec" | tr -s ' ')
  if [ -n "${WARMING:-}" ]; then
    printf '%s warmup=1\n' "$rec" >>"$OUT"
    printf '%s\n' "$rec" >>"$TMP/warm.$w.$tool.$variant"
    return
  fi
  printf '%s\n' "$rec" >>"$OUT"
  printf '%s\n' "$rec" >>"$TMP/records.$w.$tool.$variant"
}

# The server's CPU time so far, in clock ticks.
server_ticks() {
  awk '{ print $14 + $15 }' "/proc/$SRV_PID/stat" 2>/dev/null || echo 0
}

# run_key WORKLOAD KEY REP: one run of the command in array CMD_KEY (KEY
# is TOOL_VARIANT), recorded with the server's CPU time and the load.
run_key() {
  local w=$1 key=$2 i=$3 tool=${2%%_*} v=${2#*_} label t0 t1 load
  eval "local cmd=(\"\${CMD_${key}[@]}\")"
  label=$w-$tool-$v-$i
  load=$(cut -d' ' -f1 /proc/loadavg)
  t0=$(server_ticks)
  # shellcheck disable=SC2154
  run "$label" "${cmd[@]}"
  t1=$(server_ticks)
  record "$w" "$tool" "$v" "$label" "rep=$i load1=$load" \
    "server_cpu_s=$(calc "($t1 - $t0) / $(getconf CLK_TCK)" 2)"
  if [ "$(kv "$(cat "$TMP/$label.m")" exit)" != 0 ]; then
    echo "bench: $w/$tool/$v run $i failed (exit" \
      "$(kv "$(cat "$TMP/$label.m")" exit)):" >&2
    tail -n 3 "$TMP/$label.err" >&2
  fi
}

# bench_set WORKLOAD KEY...: runs the KEYs' commands in turn, round after
# round, so that a busy moment of the machine hits every tool alike: nsx
# and the client REPEAT times, Nmap NMAP_REPEAT times (or REPS_KEY times).
# Keeps each KEY's median run by wall time. A function after_WORKLOAD_KEY,
# if defined, runs after each of that KEY's runs. Where nsx is compared
# with the client, WARMUP rounds of those two come first, unrecorded: the
# first round was the slowest in most runs (0.66 s against 0.50 s for
# nsx's banner, 1.58 against 1.23 for its ratio to the client).
bench_set() {
  local w=$1 key i max=0 reps warm=0
  shift
  case " $* " in *" client_"*) warm=$WARMUP ;; esac
  for ((i = 1; i <= warm; i++)); do
    for key in "$@"; do
      case $key in nsx_* | client_*) ;; *) continue ;; esac
      WARMING=1 run_key "$w" "$key" "w$i"
      if declare -F "after_${w}_$key" >/dev/null; then "after_${w}_$key"; fi
    done
  done
  for key in "$@"; do
    rm -f "$TMP/records.$w.${key%%_*}.${key#*_}"
    reps=$REPEAT
    [ "${key%%_*}" = nmap ] && reps=$NMAP_REPEAT
    eval "reps=\${REPS_$key:-$reps}"
    [ "${key%%_*}" = nmap ] && [ "$USE_NMAP" != 1 ] && reps=0
    eval "local reps_$key=$reps"
    [ "$reps" -gt "$max" ] && max=$reps
  done
  for ((i = 1; i <= max; i++)); do
    for key in "$@"; do
      eval "reps=\$reps_$key"
      [ "$i" -le "$reps" ] || continue
      run_key "$w" "$key" "$i"
      if declare -F "after_${w}_$key" >/dev/null; then "after_${w}_$key"; fi
    done
  done
  for key in "$@"; do
    [ -s "$TMP/records.$w.${key%%_*}.${key#*_}" ] || continue
    median "$w" "${key%%_*}" "${key#*_}"
    progress "$w" "${key%%_*}" "${key#*_}"
  done
}

# median WORKLOAD TOOL VARIANT: the median run by wall time, to
# $TMP/best.WORKLOAD.TOOL.VARIANT.
median() {
  local f=$TMP/records.$1.$2.$3 n
  n=$(wc -l <"$f")
  awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^wall_s=/) w = substr($i, 8)
         print w, $0 }' "$f" | sort -g |
    awk -v m=$(((n + 1) / 2)) 'NR == m { $1 = ""; sub(/^ /, ""); print }' \
      >"$TMP/best.$1.$2.$3"
}
best() { cat "$TMP/best.$1.$2.$3" 2>/dev/null; }
# get WORKLOAD TOOL VARIANT KEY
get() { kv "$(best "$1" "$2" "$3")" "$4"; }
progress() {
  local r
  r=$(best "$1" "$2" "$3")
  printf 'bench: %-8s %-6s %-8s wall %7ss  cpu %7ss  results %s\n' \
    "$1" "$2" "$3" "$(kv "$r" wall_s)" "$(kv "$r" cpu_s)" \
    "$(kv "$r" results)" >&2
}

NSX_ARGS=(-d -n -Pn)
NMAP_ARGS=(-d -sT -Pn -n)

start_nginx() {
  local port conf i
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "bench: installing nginx-light for the real-scripts workload" >&2
      # Debian starts an installed nginx on port 80 unless policy-rc.d
      # says no; say no for the length of the install when nothing does.
      local policy=
      if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy=1
      fi
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends nginx-light >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends nginx-light >/dev/null 2>&1; }
      [ -n "$policy" ] && rm -f /usr/sbin/policy-rc.d
    fi
  }
  NGINX=$(command -v nginx || echo /usr/sbin/nginx)
  [ -x "$NGINX" ] || return 1
  mkdir -p "$TMP/nginx"
  # Ports Nmap's shortport.http takes for web ports, so http-title runs.
  for port in 8180 7080 3872 5800 8088; do
    conf=$TMP/nginx/nginx.conf
    {
      echo "daemon off; worker_processes 1; pid $TMP/nginx/nginx.pid;"
      echo "error_log $TMP/nginx/error.log;"
      echo "events { worker_connections 8192; }"
      echo "http { access_log off; client_body_temp_path $TMP/nginx/cb;"
      echo "  proxy_temp_path $TMP/nginx/px; fastcgi_temp_path $TMP/nginx/fc;"
      echo "  uwsgi_temp_path $TMP/nginx/uw; scgi_temp_path $TMP/nginx/sc;"
      echo "  server {"
      # One listener per address keeps nginx on loopback addresses only.
      hostlist "$REAL_HOSTS" | while read -r a; do
        echo "    listen $a:$port;"
      done
      echo "    location / { default_type text/html;"
      echo "      return 200 '<html><head><title>nsx bench page</title></head><body>bench</body></html>\n'; }"
      echo "  }"
      echo "}"
    } >"$conf"
    "$NGINX" -c "$conf" -p "$TMP/nginx/" -e "$TMP/nginx/error.log" \
      >"$TMP/nginx/out" 2>&1 &
    NGINX_PID=$!
    i=0
    while [ $i -lt 50 ] && kill -0 "$NGINX_PID" 2>/dev/null; do
      [ -s "$TMP/nginx/nginx.pid" ] && break
      sleep 0.1
      i=$((i + 1))
    done
    sleep 0.2
    if kill -0 "$NGINX_PID" 2>/dev/null && [ -s "$TMP/nginx/nginx.pid" ]; then
      NGINX_PORT=$port
      return 0
    fi
    stop_pid "$NGINX_PID"
    NGINX_PID=
  done
  return 1
}

# The addresses of a.b.c.d/n (n >= 16), one a line.
hostlist() {
  local spec=$1 ip bits a b c d base count i
  ip=${spec%/*}
  bits=32
  [ "$ip" != "$spec" ] && bits=${spec#*/}
  IFS=. read -r a b c d <<<"$ip"
  base=$(((a << 24) | (b << 16) | (c << 8) | d))
  count=$((1 << (32 - bits)))
  base=$((base & ~(count - 1)))
  for ((i = 0; i < count; i++)); do
    ip=$((base + i))
    echo "$((ip >> 24 & 255)).$((ip >> 16 & 255)).$((ip >> 8 & 255)).$((ip & 255))"
  done
}

mkdir -p "$(dirname "$OUT")"
: >"$OUT"
: >"$TMP/stats"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
start_server
START=$(date +%s)
echo "bench: epoll-server on 0.0.0.0 ports $PORT_LIST (pid $SRV_PID);" \
  "targets $HOSTS; runs: nsx/client x$REPEAT, nmap x$NMAP_REPEAT" >&2
echo "# nsx bench $(date -u +%Y-%m-%dT%H:%M:%SZ) hosts=$HOSTS ports=$PORT_LIST" \
  "nproc=$(nproc) repeat=$REPEAT nmap_repeat=$NMAP_REPEAT" >>"$OUT"

if wants startup; then
  CMD_nsx_one=("$NSX" -n -Pn -p "$PORT1" --script "$SCRIPTS/bench-banner.nse"
    127.0.0.1)
  CMD_nmap_one=(nmap -sT -n -Pn -p "$PORT1" --script
    "$SCRIPTS/bench-banner.nse" 127.0.0.1)
  REPS_nsx_one=5 REPS_nmap_one=3 bench_set startup nsx_one nmap_one
fi

# ADDR:PORT lists of every bench target and port: the "known" variant of
# nsx reads one with -iL and runs the scripts with no discovery, which is
# nsx's script phase alone (Nmap's NSE phase is measured within its run).
known_list() {
  local f=$TMP/known-$1.txt ports=$2
  if [ ! -s "$f" ]; then
    "$NSX" -n -sn -Pn "${HOST_ARGS[@]}" --no-status 2>/dev/null |
      sed -n 's/^Nmap scan report for \([0-9.]*\)$/\1/p' |
      while read -r a; do
        for p in ${ports//,/ }; do printf '%s:%s\n' "$a" "$p"; done
      done >"$f"
  fi
  echo "$f"
}

# The client's "same" variant gets as many connections in flight as the
# server saw from nsx in the first run of the variant the targets compare
# it with: "known", nsx's script phase alone. (The "all" variant's peak
# counts the port scan's probes and the scripts' connections together.)
same_flight() {
  local peak
  peak=$(kv "$(cat "$TMP/warm.$1.nsx.known" "$TMP/records.$1.nsx.known" \
    2>/dev/null | head -n 1)" server_peak_conns)
  [ -n "$peak" ] && [ "$peak" -gt 0 ] || peak=1000
  echo "$peak"
}

if wants banner; then
  CMD_nsx_all=("$NSX" "${NSX_ARGS[@]}" -p "$PORT_LIST" --script
    "$SCRIPTS/bench-banner.nse" "${HOST_ARGS[@]}")
  CMD_nmap_all=(nmap "${NMAP_ARGS[@]}" -p "$PORT_LIST" --script
    "$SCRIPTS/bench-banner.nse" "${HOST_ARGS[@]}")
  after_banner_nsx_known() {
    CMD_client_same=("$BB/epoll-client" -m banner -c "$(same_flight banner)"
      -p "$PORT_LIST" "${HOST_ARGS[@]}")
  }
  CMD_client_c1000=("$BB/epoll-client" -m banner -c 1000 -p "$PORT_LIST"
    "${HOST_ARGS[@]}")
  CMD_client_scan=("$BB/epoll-client" -m connect -c 1000 -p "$PORT_LIST"
    "${HOST_ARGS[@]}")
  CMD_nsx_known=("$NSX" "${NSX_ARGS[@]}" --script "$SCRIPTS/bench-banner.nse"
    -iL "$(known_list banner "$PORT_LIST")")
  # Nmap's banner run is the one end-to-end target near its line, and
  # one run of it varies by a fifth (2.5-3.0 s): the median of three.
  REPS_nmap_all=$((NMAP_REPEAT > 3 ? NMAP_REPEAT : 3)) \
    bench_set banner nsx_all nsx_known client_same client_c1000 client_scan \
    nmap_all
fi

if wants workers; then
  CMD_nsx_all=("$NSX" "${NSX_ARGS[@]}" -p "$PORT1" --script
    "$SCRIPTS/bench-workers.nse" "${HOST_ARGS[@]}")
  CMD_nmap_all=(nmap "${NMAP_ARGS[@]}" -p "$PORT1" --script
    "$SCRIPTS/bench-workers.nse" "${HOST_ARGS[@]}")
  after_workers_nsx_known() {
    CMD_client_same=("$BB/epoll-client" -m roundtrip -n 8
      -c "$(same_flight workers)" -p "$PORT1" "${HOST_ARGS[@]}")
  }
  CMD_nsx_known=("$NSX" "${NSX_ARGS[@]}" --script
    "$SCRIPTS/bench-workers.nse" -iL "$(known_list workers "$PORT1")")
  bench_set workers nsx_all nsx_known client_same nmap_all
fi

if wants mutex; then
  CMD_nsx_all=("$NSX" "${NSX_ARGS[@]}" -p "$PORT_LIST" --script
    "$SCRIPTS/bench-mutex.nse" "${HOST_ARGS[@]}")
  CMD_nmap_all=(nmap "${NMAP_ARGS[@]}" -p "$PORT_LIST" --script
    "$SCRIPTS/bench-mutex.nse" "${HOST_ARGS[@]}")
  CMD_client_serial=("$BB/epoll-client" -m banner -c 1 -p "$PORT_LIST"
    "${HOST_ARGS[@]}")
  CMD_nsx_known=("$NSX" "${NSX_ARGS[@]}" --script "$SCRIPTS/bench-mutex.nse"
    -iL "$(known_list mutex "$PORT_LIST")")
  bench_set mutex nsx_all nsx_known client_serial nmap_all
fi

if wants sleep; then
  CMD_nsx_all=("$NSX" "${NSX_ARGS[@]}" -p "$PORT_LIST" --script
    "$SCRIPTS/bench-sleep.nse" "${HOST_ARGS[@]}")
  CMD_nmap_all=(nmap "${NMAP_ARGS[@]}" -p "$PORT_LIST" --script
    "$SCRIPTS/bench-sleep.nse" "${HOST_ARGS[@]}")
  CMD_nsx_known=("$NSX" "${NSX_ARGS[@]}" --script "$SCRIPTS/bench-sleep.nse"
    -iL "$(known_list sleep "$PORT_LIST")")
  bench_set sleep nsx_all nsx_known nmap_all
fi

if wants scale; then
  keys=()
  # Since --script-memory (512m by default) charges the workers a thread
  # spawns to that thread, a million workers also run without the limit.
  nolimit=
  "$NSX" --help 2>&1 | grep -q -- --script-memory && nolimit=1
  for n in $SCALE; do
    eval "CMD_nsx_n$n=(\"\$NSX\" -d -n --max-threads $((n + 1000))
      --script \"\$SCRIPTS/bench-scale.nse\" --script-args bench-scale.n=$n)"
    keys+=("nsx_n$n")
    if [ "$n" -ge 1000000 ]; then
      # A million threads run three times (median), not once: on a VM
      # the system time of touching 1.5 GB of fresh memory varies from 1
      # to 3 s between identical runs (the hypervisor backing the pages),
      # while user time stays put. The variant without the memory limit
      # runs once.
      eval "REPS_nsx_n$n=$((REPEAT < 3 ? REPEAT : 3))"
      if [ -n "$nolimit" ]; then
        eval "CMD_nsx_n${n}m0=(\"\${CMD_nsx_n$n[@]}\" --script-memory 0)"
        eval "REPS_nsx_n${n}m0=1"
        keys+=("nsx_n${n}m0")
      fi
    fi
  done
  for n in $NMAP_SCALE; do
    eval "CMD_nmap_n$n=(nmap -d -n --script \"\$SCRIPTS/bench-scale.nse\"
      --script-args bench-scale.n=$n)"
    keys+=("nmap_n$n")
  done
  bench_set scale "${keys[@]}"
fi

if wants real; then
  if start_nginx; then
    echo "bench: nginx on $REAL_HOSTS port $NGINX_PORT (pid $NGINX_PID)" >&2
    CMD_nsx_all=("$NSX" "${NSX_ARGS[@]}" -p "$NGINX_PORT,$PORT1" --script
      banner,http-title --script-args "banner.ports=$PORT1" "${REAL_ARGS[@]}")
    CMD_nmap_all=(nmap "${NMAP_ARGS[@]}" -p "$NGINX_PORT,$PORT1" --script
      banner,http-title --script-args "banner.ports=$PORT1" "${REAL_ARGS[@]}")
    bench_set real nsx_all nmap_all
    stop_pid "$NGINX_PID"
    NGINX_PID=
  else
    echo "bench: nginx is not installed and could not be; skipping the" \
      "real-scripts workload" >&2
  fi
fi

. "$HERE/report.sh"
echo
echo "Total bench time: $(($(date +%s) - START)) s; records in $OUT"
