#!/usr/bin/env bash
# Builds the broker engine and SQL benchmarks in Release and prints their figures (median of 3
# repetitions) with a ratio against the issue targets.
#
#   bench/run_engine_bench.sh [build-dir] [extra Google Benchmark flags...]
#
# Default build dir: <repo>/build-bench. BENCH_REPORT_ONLY=1 re-prints the ratio table of the last
# run. Needs cmake, ninja and jq. JSON results are kept in
# <build-dir>/bench-results/. The machine may be shared: treat the figures as lower bounds.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$repo/build-bench}"
shift || true
jobs="${BENCH_JOBS:-2}"

command -v jq >/dev/null || { echo "jq is required (Debian: apt install jq)" >&2; exit 1; }

out="$build/bench-results"
mkdir -p "$out"
common=(--benchmark_repetitions=3 --benchmark_report_aggregates_only=true)

# BENCH_REPORT_ONLY=1: only print the ratio table of the last run's JSON.
if [[ "${BENCH_REPORT_ONLY:-0}" != 1 ]]; then
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUSYARD_BUILD_BENCH=ON >/dev/null
    cmake --build "$build" --target engine_bench sql_bench -j"$jobs"
    echo "== engine_bench"
    "$build/bench/engine/engine_bench" "${common[@]}" --benchmark_out="$out/engine.json" --benchmark_out_format=json "$@"
    echo "== sql_bench"
    "$build/bench/sql/sql_bench" "${common[@]}" --benchmark_out="$out/sql.json" --benchmark_out_format=json "$@"
fi

# Median of one counter (default items_per_second) of one benchmark run ("" when it did not run).
median() {
    jq -r --arg n "$2" --arg c "${3:-items_per_second}" \
        '.benchmarks[] | select(.run_name == $n and .aggregate_name == "median") | .[$c]' "$1" | head -n1
}

durable="BM_DurableQueue_SendReceiveComplete/batch:100"
# label | json | run_name | counter | target per second (0 = none)
targets=(
    "queue send+receive+complete, memory, batch 100|engine|BM_Queue_SendReceiveComplete/batch:100/sysclock:0|items_per_second|250000"
    "queue send+receive+complete, memory, single sends|engine|BM_Queue_SendReceiveComplete/batch:1/sysclock:0|items_per_second|250000"
    "queue send+receive+delete, memory, batch 100|engine|BM_Queue_SendReceiveAndDelete/batch:100|items_per_second|0"
    "queue peek, memory, 100 per call|engine|BM_Queue_Peek|items_per_second|0"
    "SQLite fullsync, 100 msgs/commit, wall clock|engine|$durable/round:100/group:1/fullsync:1/real_time|items_per_second|40000"
    "SQLite fullsync, 100 msgs/commit, per CPU second|engine|$durable/round:100/group:1/fullsync:1/real_time|msgs_per_cpu_s|40000"
    "SQLite fullsync, 1000 msgs/commit, wall clock|engine|$durable/round:1000/group:1/fullsync:1/real_time|items_per_second|40000"
    "SQLite fullsync, 1000 msgs/commit, per CPU second|engine|$durable/round:1000/group:1/fullsync:1/real_time|msgs_per_cpu_s|40000"
    "topic 100 SQL subscriptions, routed msgs|engine|BM_Topic_Sql100/batch:100|items_per_second|0"
    "topic 5000 correlation-id subscriptions, routed msgs|engine|BM_Topic_Correlation5000/property:0|items_per_second|20000"
    "topic 5000 property-correlation subscriptions, routed msgs|engine|BM_Topic_Correlation5000/property:1|items_per_second|20000"
    "SQL filter evaluations (BM_SimpleFilter)|sql|BM_SimpleFilter|items_per_second|2000000"
)

echo
echo "== ratio to the issue targets (median of 3; >= 1.00 meets the target)"
for t in "${targets[@]}"; do
    IFS='|' read -r label file name counter target <<<"$t"
    value="$(median "$out/$file.json" "$name" "$counter")"
    if [[ -z "$value" || "$value" == "null" ]]; then
        printf '%-58s  not run\n' "$label"
        continue
    fi
    awk -v l="$label" -v v="$value" -v t="$target" 'BEGIN {
        if (t > 0) printf "%-58s %12.0f/s  target %9d/s  ratio %.2f\n", l, v, t, v / t;
        else       printf "%-58s %12.0f/s  (no target)\n", l, v }'
done
