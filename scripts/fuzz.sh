#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer, swiftc -sanitize=fuzzer) of what the hub and the device read from
# outside: ingest batches, heartbeats, edge traces, backlog export files and the device configuration.
# Each target is compiled together with the SmileyCore sources (pure Swift, no dependencies; the
# configuration target also with the device's configuration files) and run for a bounded time from its
# committed corpus in Fuzz/corpus/TARGET; inputs that reach new code are added to that corpus.
# A crash leaves its input as Fuzz/crashes/TARGET-crash-*; turn it into a regression test.
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET (60)] [TARGET ...]     (make fuzz)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(ingest heartbeat trace export configuration)
build="${root}/.build/fuzz"
mkdir -p "${build}" "${root}/Fuzz/crashes"
mapfile -t core < <(find "${root}/Sources/SmileyCore" -name '*.swift' | sort)
# The device's configuration files, compiled into the same module (their SmileyCore import dropped).
mkdir -p "${build}/device"
device=()
for file in Configuration/DeviceConfiguration.swift Simulation/DemoTraffic.swift; do
    sed '/^import SmileyCore$/d' "${root}/Sources/SmileyDevice/${file}" >"${build}/device/$(basename "${file}")"
    device+=("${build}/device/$(basename "${file}")")
done
status=0
for target in "${targets[@]}"; do
    echo "fuzz ${target}: building"
    extra=()
    [ "${target}" = configuration ] && extra=("${device[@]}")
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name "SmileyFuzz${target}" \
        "${core[@]}" "${extra[@]}" "${root}/Fuzz/${target}.swift" -o "${build}/${target}"
    mkdir -p "${root}/Fuzz/corpus/${target}"
    echo "fuzz ${target}: ${seconds} s"
    if ! "${build}/${target}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="${root}/Fuzz/crashes/${target}-" "${root}/Fuzz/corpus/${target}" \
        >"${build}/${target}.log" 2>&1; then
        echo "fuzz ${target}: FAILED, see ${build}/${target}.log and Fuzz/crashes/"
        status=1
    fi
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|cov: " "${build}/${target}.log" | tail -3 || true
done
exit "${status}"
