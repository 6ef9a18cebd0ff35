#!/bin/sh
# run.sh: build and run the fuzz targets (tests/fuzz/fuzz-<name>.c).
#
#   run.sh --build DIR [--time S] [--merge] [NAME...]
#       Configures DIR as a clang build with -DNSX_FUZZ=ON (once), builds
#       the fuzz targets and fuzzes each (or each NAME) for S seconds
#       (default 10). New inputs go to DIR/tests/fuzz/corpus-new/<name>;
#       with --merge, the ones that add coverage are then merged into the
#       seed corpus tests/fuzz/corpus/<name>. Exits 77 when clang or
#       libFuzzer is missing (the ctest test fuzz/libfuzzer is then
#       skipped). 'make fuzz' runs this with DIR=build-fuzz.
#   run.sh --one BIN NAME S WORKDIR
#       Fuzzes one built target for S seconds (the NSX_FUZZ ctest tests).
#   run.sh --replay BIN NAME
#       Runs the seed corpus once through a replay build of the target.
#
# A crash, leak, timeout or broken invariant fails the run and leaves the
# input in DIR/tests/fuzz/artifacts/<name>/, with the command that
# reproduces it. Fuzzing is bounded in time; every input has a 25 s limit.
set -u
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$FUZZ_DIR/../.." && pwd)
CC_FUZZ=${NSX_FUZZ_CC:-clang}

die() {
  echo "run.sh: $*" >&2
  exit 1
}

names() {
  for f in "$FUZZ_DIR"/fuzz-*.c; do
    [ -f "$f" ] || continue
    f=${f##*/fuzz-}
    echo "${f%.c}"
  done
}

# one BIN NAME SECONDS WORKDIR
one() {
  bin=$1 name=$2 secs=$3 work=$4
  seeds=$FUZZ_DIR/corpus/$name
  new=$work/corpus-new/$name
  art=$work/artifacts/$name
  mkdir -p "$new" "$art" || return 1
  # New inputs go to $new, never into the source tree.
  [ -d "$seeds" ] || seeds=
  set -- -max_total_time="$secs" -timeout=25 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="$art/"
  if [ -f "$FUZZ_DIR/$name.dict" ]; then
    set -- "$@" -dict="$FUZZ_DIR/$name.dict"
  fi
  echo "# fuzz $name for ${secs}s: $bin $* $new $seeds"
  log=$work/fuzz-$name.log
  rc=0
  "$bin" "$@" "$new" ${seeds:+"$seeds"} >"$log" 2>&1 || rc=$?
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss)' \
    "$log" | sed 's/^/# /'
  known=$(sed -n "s/^$name \([^ ]*\) \(.*\)/\1 \2/p" \
    "$FUZZ_DIR/known-crashes.txt" 2>/dev/null | head -1)
  if [ "$rc" -ne 0 ]; then
    if [ -n "$known" ] && grep -Eq -- "${known#* }" "$log"; then
      echo "not ok - fuzz $name # TODO ${known%% *} (known-crashes.txt)"
      grep -E -- "${known#* }" "$log" | head -1 | sed 's/^/# /'
      return 0
    fi
    echo "not ok - fuzz $name: libFuzzer exited $rc; the end of $log:"
    tail -60 "$log" | sed 's/^/# /'
    for a in "$art"/*; do
      [ -f "$a" ] && echo "# reproduce: $bin $a"
    done
    return 1
  fi
  echo "ok - fuzz $name"
  if [ -n "$known" ]; then
    echo "# ${known%% *} looks fixed: delete its line for $name in" \
      "known-crashes.txt"
  fi
}

replay() {
  bin=$1 name=$2
  seeds=$FUZZ_DIR/corpus/$name
  if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    echo "ok - $name: no seed corpus yet # SKIP"
    return 0
  fi
  "$bin" "$seeds" || return 1
}

have_libfuzzer() {
  command -v "$CC_FUZZ" >/dev/null 2>&1 || return 1
  t=$(mktemp -d "${TMPDIR:-/tmp}/fuzzcheck.XXXXXX") || return 1
  printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {' \
    '  (void)d; (void)n; return 0; }' >"$t/f.c"
  ok=0
  "$CC_FUZZ" -fsanitize=fuzzer,address "$t/f.c" -o "$t/f" \
    >/dev/null 2>&1 || ok=1
  rm -rf "$t"
  return $ok
}

build_and_run() {
  dir="" secs=10 merge=0 only=""
  while [ $# -gt 0 ]; do
    case $1 in
      --build) dir=$2; shift 2 ;;
      --time) secs=$2; shift 2 ;;
      --merge) merge=1; shift ;;
      -*) die "unknown option $1" ;;
      *) only="$only $1"; shift ;;
    esac
  done
  [ -n "$dir" ] || die "--build DIR is required"
  if ! have_libfuzzer; then
    echo "ok - fuzzing # SKIP: $CC_FUZZ with -fsanitize=fuzzer is not available"
    exit 77
  fi
  [ -n "$only" ] || only=$(names)
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S "$SRC_DIR" -B "$dir" -DCMAKE_C_COMPILER="$CC_FUZZ" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNSX_FUZZ=ON >"$dir.configure.log" \
      2>&1 || { cat "$dir.configure.log"; die "configure failed"; }
  fi
  targets=
  for n in $only; do targets="$targets fuzz-$n"; done
  jobs=$(nproc 2>/dev/null || echo 2)
  # shellcheck disable=SC2086
  cmake --build "$dir" -j "$jobs" --target $targets >"$dir.build.log" 2>&1 ||
    { tail -40 "$dir.build.log"; die "build failed"; }
  work=$dir/tests/fuzz
  failed=0
  for n in $only; do
    one "$dir/tests/fuzz/fuzz-$n" "$n" "$secs" "$work" || failed=1
    if [ "$merge" = 1 ] && [ "$failed" = 0 ]; then
      mkdir -p "$FUZZ_DIR/corpus/$n"
      "$dir/tests/fuzz/fuzz-$n" -merge=1 "$FUZZ_DIR/corpus/$n" \
        "$work/corpus-new/$n" >"$work/merge-$n.log" 2>&1 ||
        { echo "# merge of $n failed: $work/merge-$n.log"; failed=1; }
    fi
  done
  exit $failed
}

case ${1:-} in
  --one) shift; [ $# -eq 4 ] || die "--one BIN NAME SECONDS WORKDIR"
    one "$@" ;;
  --replay) shift; [ $# -eq 2 ] || die "--replay BIN NAME"; replay "$@" ;;
  --build) build_and_run "$@" ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
