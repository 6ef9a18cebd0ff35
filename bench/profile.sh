#!/usr/bin/env bash
# Profiles nsx on one bench workload with perf (software clock; the
# machine's hardware counters may be missing) or, with PROFILER=callgrind,
# valgrind's callgrind on a smaller run. Prints where the time goes by
# library, by top-level phase and by function. bench/run.sh measures;
# this only explains.
# Usage: bench/profile.sh [BUILD_DIR] [banner|workers|mutex|sleep|scale]
# Environment: PROFILER=perf|callgrind [perf], HOSTS [127.0.0.0/22, and
# 127.0.0.0/26 for callgrind], SCALE_N [100000], PROFILE_DIR [a temp dir,
# kept]. Traffic: 127.0.0.0/8 only, to a server started and stopped here.
set -u

BUILD=${1:-build}
W=${2:-banner}
HERE=$(cd "$(dirname "$0")" && pwd)
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
PROFILER=${PROFILER:-perf}
if [ "$PROFILER" = callgrind ]; then
  HOSTS=${HOSTS:-127.0.0.0/26}
else
  HOSTS=${HOSTS:-127.0.0.0/22}
fi
read -ra HOST_ARGS <<<"$HOSTS"
for h in "${HOST_ARGS[@]}"; do
  case $h in 127.*) ;; *) echo "profile: $h is not in 127.0.0.0/8" >&2; exit 2 ;; esac
done
SCALE_N=${SCALE_N:-100000}
DIR=${PROFILE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/nsx-profile.XXXXXX")}
mkdir -p "$DIR"

SRV_PID=
cleanup() {
  if [ -n "$SRV_PID" ]; then
    kill "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null
  fi
}
trap cleanup EXIT

PORTS=
for base in 29200 27200 25200; do
  PORTS=$(seq -s ' ' $((base + 1)) $((base + 10)))
  "$BUILD/bench/epoll-server" -t 600 $PORTS >"$DIR/srv.out" 2>"$DIR/srv.err" &
  SRV_PID=$!
  for _ in $(seq 50); do
    grep -q READY "$DIR/srv.out" 2>/dev/null && break
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  grep -q READY "$DIR/srv.out" 2>/dev/null && break
  wait "$SRV_PID" 2>/dev/null
  SRV_PID=
done
[ -n "$SRV_PID" ] || { echo "profile: no free ports" >&2; exit 1; }
PORT_LIST=${PORTS// /,}
PORT1=${PORTS%% *}

case $W in
banner | mutex | sleep)
  ARGS=(-d -n -Pn -p "$PORT_LIST" --script "$HERE/scripts/bench-$W.nse" "${HOST_ARGS[@]}") ;;
workers)
  ARGS=(-d -n -Pn -p "$PORT1" --script "$HERE/scripts/bench-workers.nse"
    "${HOST_ARGS[@]}") ;;
scale)
  ARGS=(-d -n --max-threads $((SCALE_N + 1000)) --script
    "$HERE/scripts/bench-scale.nse" --script-args "bench-scale.n=$SCALE_N") ;;
*) echo "profile: unknown workload $W" >&2; exit 2 ;;
esac

echo "profile: $PROFILER on $W; files in $DIR" >&2
if [ "$PROFILER" = callgrind ]; then
  timeout 600 valgrind --tool=callgrind --callgrind-out-file="$DIR/callgrind.out" \
    "$BUILD/nsx" "${ARGS[@]}" >"$DIR/nsx.out" 2>"$DIR/valgrind.err"
  grep Timing "$DIR/nsx.out"
  callgrind_annotate --inclusive=yes "$DIR/callgrind.out" 2>/dev/null | head -n 60
  echo
  callgrind_annotate "$DIR/callgrind.out" 2>/dev/null | head -n 40
  exit 0
fi

timeout 600 perf record -q -e cpu-clock -F 2000 --call-graph dwarf,16384 \
  -o "$DIR/perf.data" -- "$BUILD/nsx" "${ARGS[@]}" >"$DIR/nsx.out" 2>"$DIR/perf.err"
grep Timing "$DIR/nsx.out"
echo "== by library"
perf report -i "$DIR/perf.data" --no-children --sort dso -g none 2>/dev/null |
  grep -v '^#' | grep -v '^$' | head -n 8
echo "== inclusive, by function (engine entry points and system calls)"
perf report -i "$DIR/perf.data" --children --sort sym -g none 2>/dev/null |
  grep -E '\] (nsx_|lsock_|uv_run|uv_close|pump|admit|host_|thread_run|create_threads|luaC_|lua_newthread|__x64_sys_)' |
  head -n 40
echo "== self, by function"
perf report -i "$DIR/perf.data" --no-children --sort dso,sym -g none 2>/dev/null |
  grep -v '^#' | grep -v '^$' | head -n 40
