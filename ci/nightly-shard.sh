#!/usr/bin/env bash
# One shard of the nightly campaign: a soak stress shard, a long exploration with this shard's
# own seed, and this shard's part of the nightly scope's proof (`prove --scope nightly`). Usage: ci/nightly-shard.sh INDEX COUNT, INDEX from 1 (as --shard counts). Writes
# everything under target/nightly/.
# Both commands run even if the first fails, so the shard's artifacts are complete either way.
set -euxo pipefail
index=$1
count=$2
out=target/nightly
mkdir -p "$out/replays"
status=0
cargo xtask stress --preset soak --shard "$index/$count" --json "$out/stress-shard-$index.json" \
  --report "$out/stress-report-shard-$index" || status=1
# Distinct seeds per shard: shard i explores with seed 1000*i. 8,000 schedules per strategy and
# workload over the default exploration's 26 workloads: 208,000 per strategy and variant.
cargo xtask explore --iterations 8000 --seed $((1000 * index)) --json "$out/explore-shard-$index.json" \
  --replay-dir "$out/replays" || status=1
# The nightly scope is strictly larger than the default one (see `Scope::nightly`); its workloads
# are split over the shards (workload k on shard k mod COUNT + 1) and merged by nightly-merge.sh.
cargo xtask prove --scope nightly --shard "$index/$count" --json "$out/prove-shard-$index.json" \
  --replay-dir "$out/replays" || status=1
exit "$status"
