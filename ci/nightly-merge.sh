#!/usr/bin/env bash
# Merge the nightly shards' stress reports into one report (JSON and HTML).
# Usage: ci/nightly-merge.sh DIR, where DIR holds the shards' stress-shard-*.json files.
set -euxo pipefail
dir=$1
mkdir -p target/nightly
cargo xtask merge --allow-partial "$dir"/stress-shard-*.json --json target/nightly/stress-merged.json \
  --report target/nightly/stress-report-merged
