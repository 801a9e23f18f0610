#!/usr/bin/env bash
# Merge the nightly shards' stress reports into one report (JSON and HTML), and their proof shards
# into the nightly scope's proof (every shard is required: a proof with a missing shard proves
# nothing, so that merge fails rather than reporting a partial proof).
# Usage: ci/nightly-merge.sh DIR, where DIR holds the shards' stress-shard-*.json and
# prove-shard-*.json files.
set -euxo pipefail
dir=$1
mkdir -p target/nightly
status=0
cargo xtask merge --allow-partial "$dir"/stress-shard-*.json --json target/nightly/stress-merged.json \
  --report target/nightly/stress-report-merged || status=1
cargo xtask merge "$dir"/prove-shard-*.json --json target/nightly/prove-merged.json \
  --replay-dir target/nightly/replays || status=1
exit "$status"
