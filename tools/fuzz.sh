#!/usr/bin/env bash
# Builds the libFuzzer harnesses in src/cpp/fuzz/ (clang, with AddressSanitizer and UBSan) and
# runs each for a bounded time, starting from its corpus in src/cpp/fuzz/corpus/<harness>/. Every
# input there is run first, so a crash once found and saved there is a regression test from then
# on. A crash, leak or sanitizer report fails the run; its input is written to the work directory
# (printed) to be copied into the corpus once fixed.
#
#   tools/fuzz.sh [SECONDS]      (default 40 a harness)
#
# Prints each harness's executions ("Done N runs in S second(s)"). Environment: CLANGXX (default
# clang++), JOBS (parallel compiles, default 2), FUZZ_WORKDIR (keep objects and outputs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CPP="$ROOT/src/cpp"
CLANGXX="${CLANGXX:-clang++}"
JOBS="${JOBS:-2}"
SECONDS_EACH="${1:-40}"
if [[ -n "${FUZZ_WORKDIR:-}" ]]; then
  WORK="$FUZZ_WORKDIR"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/pymsg-fuzz.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
fi
FLAGS=(-std=c++17 -O1 -g -pthread "-I$CPP" -fsanitize=address,undefined -fno-sanitize-recover=undefined)

echo "== compiling the core with $CLANGXX (fuzzer instrumentation, ASan, UBSan)"
REUSE=1 JOBS="$JOBS" bash "$ROOT/tools/compile_core.sh" "$WORK/obj" "$CLANGXX" "${FLAGS[@]}" -fsanitize=fuzzer-no-link

status=0
for harness in "$CPP"/fuzz/fuzz_*.cpp; do
  name="$(basename "$harness" .cpp)"
  corpus="$CPP/fuzz/corpus/$name"
  found="$WORK/found/$name"  # new interesting inputs go here, not into the repository
  mkdir -p "$corpus" "$found" "$WORK/artifacts/$name"
  "$CLANGXX" "${FLAGS[@]}" -fsanitize=fuzzer "$WORK"/obj/*.o "$harness" -o "$WORK/$name"
  log="$WORK/$name.log"
  rc=0
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$WORK/$name" -max_total_time="$SECONDS_EACH" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$name/" "$found" "$corpus" >"$log" 2>&1 || rc=$?
  runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
  if [[ $rc -ne 0 ]]; then
    echo "FAIL $name (exit $rc); its output:"
    tail -n 60 "$log"
    ls "$WORK/artifacts/$name/"
    status=1
  else
    echo "ok   $name: ${runs:-no summary} ($(ls "$corpus" | wc -l) saved inputs, $(ls "$found" | wc -l) new this run)"
  fi
done
if [[ $status -eq 0 ]]; then echo "fuzz: all passed"; else echo "fuzz: FAILED (inputs under $WORK/artifacts)" >&2; fi
exit $status
