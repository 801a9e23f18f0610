#!/usr/bin/env bash
# The suite is not flaky under load: N consecutive `cargo test --workspace` runs (default 20)
# while a release build of the whole workspace runs alongside, over and over, in another target
# folder. Prints each run's result and time, and the number of failures; exits 1 if any failed.
# Usage: ci/under-load.sh [N]. Takes about a minute per run on a 2-core machine.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
load_target=$(mktemp -d)
stop=$(mktemp)
rm -f "$stop"
cargo test --workspace --no-run >/dev/null 2>&1 || { echo "the tests do not build"; exit 2; }
( while [ ! -e "$stop" ]; do
    CARGO_TARGET_DIR="$load_target" cargo build --release --workspace --all-targets >/dev/null 2>&1
    rm -rf "${load_target:?}"/*
  done ) &
load=$!
failures=0
for run in $(seq 1 "$runs"); do
  start=$(date +%s)
  if cargo test --workspace >"target/under-load-$run.log" 2>&1; then
    echo "run $run: ok in $(($(date +%s) - start)) s"
  else
    failures=$((failures + 1))
    echo "run $run: FAILED in $(($(date +%s) - start)) s (target/under-load-$run.log)"
  fi
done
touch "$stop"
kill "$load" 2>/dev/null
wait "$load" 2>/dev/null
rm -rf "$load_target" "$stop"
echo "failures: $failures of $runs"
[ "$failures" -eq 0 ]
