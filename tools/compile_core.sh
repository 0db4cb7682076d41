#!/usr/bin/env bash
# Compiles every source of the C++ core (src/cpp/pymsg/**/*.cpp) into one object each, in
# parallel, for the sanitizer and fuzzer builds (tools/sanitize.sh, tools/fuzz.sh).
#
#   tools/compile_core.sh OUT_DIR COMPILER FLAG...
#
# Objects are named after their path (pymsg/sqs/queue.cpp -> pymsg_sqs_queue.cpp.o). With
# REUSE set, an object newer than its source is kept (headers are not looked at: a work
# directory kept across header edits wants a clean rebuild). JOBS: parallel compiles (default 2).
set -euo pipefail
CPP="$(cd "$(dirname "${BASH_SOURCE[0]}")/../src/cpp" && pwd)"
OUT="$1"
COMPILER="$2"
shift 2
mkdir -p "$OUT"
(cd "$CPP" && find pymsg -name '*.cpp' | sort) |
  SRC="$CPP" OUT="$OUT" CXX="$COMPILER" REUSE="${REUSE:-}" xargs -P "${JOBS:-2}" -I{} bash -c \
    'set -euo pipefail; s="$SRC/$1"; o="$OUT/$(echo "$1" | tr / _).o"
     if [[ -n "$REUSE" && "$o" -nt "$s" ]]; then exit 0; fi
     "$CXX" "${@:2}" -c "$s" -o "$o"' _ {} "$@"
