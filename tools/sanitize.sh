#!/usr/bin/env bash
# Builds the C++ core once per sanitizer and runs the stress program (src/cpp/tests/stress_core.cpp)
# and every C++ unit test (src/cpp/tests/test_*.cpp) against it, failing on any sanitizer report.
#
#   tools/sanitize.sh [asan|tsan|all]     (default: all)
#
# asan: AddressSanitizer + UndefinedBehaviorSanitizer (leaks detected, UB fatal).
# tsan: ThreadSanitizer.
# Environment: CXX (default c++), JOBS (parallel compiles, default 2), STRESS_SCALE (argv[1] of
# the stress program, default 1), SANITIZE_WORKDIR (keep objects and binaries there instead of a
# temporary directory that is removed at the end; objects newer than their source are reused).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CPP="$ROOT/src/cpp"
CXX="${CXX:-c++}"
JOBS="${JOBS:-2}"
SCALE="${STRESS_SCALE:-1}"
MODE="${1:-all}"

case "$MODE" in
  asan | tsan) MODES=("$MODE") ;;
  all) MODES=(asan tsan) ;;
  *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;;
esac

REUSE=""
if [[ -n "${SANITIZE_WORKDIR:-}" ]]; then
  WORK="$SANITIZE_WORKDIR"
  REUSE=1
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/pymsg-sanitize.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
fi

BASE_FLAGS=(-std=c++17 -O1 -g -pthread "-I$CPP")

run_mode() {
  local mode="$1" flags
  case "$mode" in
    asan)
      flags=(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
      export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
      export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
      ;;
    tsan)
      flags=(-fsanitize=thread)
      export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"
      ;;
  esac
  local out="$WORK/$mode" start=$SECONDS
  mkdir -p "$out/obj" "$out/bin"
  echo "== $mode: compiling the core ($CXX ${flags[*]})"
  # (Functions called from `cmd || ...` run without set -e, so every step checks itself.)
  if ! REUSE="$REUSE" JOBS="$JOBS" bash "$ROOT/tools/compile_core.sh" "$out/obj" "$CXX" "${BASE_FLAGS[@]}" "${flags[@]}"; then
    echo "FAIL $mode: the core did not compile"
    return 1
  fi
  local objects=("$out"/obj/*.o)
  local build_end=$SECONDS
  echo "== $mode: core built in $((build_end - start)) s (${#objects[@]} objects)"

  local programs=("$CPP/tests/stress_core.cpp")
  local t
  for t in "$CPP"/tests/test_*.cpp; do programs+=("$t"); done
  local failed=0 prog name bin log
  for prog in "${programs[@]}"; do
    name="$(basename "$prog" .cpp)"
    bin="$out/bin/$name"
    log="$out/$name.log"
    local p0=$SECONDS
    if ! "$CXX" "${BASE_FLAGS[@]}" "${flags[@]}" "${objects[@]}" "$prog" -o "$bin"; then
      echo "FAIL $mode $name: did not compile"
      failed=1
      continue
    fi
    local p1=$SECONDS
    local args=()
    [[ "$name" == stress_core ]] && args=("$SCALE")
    local rc=0
    "$bin" "${args[@]}" >"$log" 2>&1 || rc=$?
    local p2=$SECONDS
    # A sanitizer report fails the run even if the program somehow exited 0.
    if [[ $rc -ne 0 ]] || grep -qE '^(==[0-9]+==ERROR|WARNING: ThreadSanitizer|SUMMARY: (Address|Undefined|Thread|Leak)Sanitizer)|runtime error:' "$log" ||
       ! grep -q ' 0 failed' "$log"; then
      echo "FAIL $mode $name (exit $rc; link $((p1 - p0)) s, run $((p2 - p1)) s); its output:"
      tail -n 80 "$log"
      failed=1
    else
      echo "ok   $mode $name (link $((p1 - p0)) s, run $((p2 - p1)) s): $(grep ' 0 failed' "$log" | tail -n 1)"
    fi
  done
  echo "== $mode: $((SECONDS - start)) s in all (build $((build_end - start)) s, link and run $((SECONDS - build_end)) s)"
  return $failed
}

status=0
for m in "${MODES[@]}"; do
  run_mode "$m" || status=1
done
if [[ $status -eq 0 ]]; then echo "sanitize: all passed (${MODES[*]})"; else echo "sanitize: FAILED" >&2; fi
exit $status
