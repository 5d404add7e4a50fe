#!/usr/bin/env bash
# Sotto's 1:1 protocol against libsignal 0.103.0 through Node, in one run on this machine:
#   - Sotto: BenchmarkDotNet (bench/Sotto.Benchmarks, Protocol/SessionBenchmarks and Crypto/CurveBenchmarks)
#   - libsignal: tests/interop/libsignal/bench.mjs (the same workloads through @signalapp/libsignal-client)
# then prints one table of operations per second with the Sotto/libsignal ratio and the target ratio.
# libsignal runs before and after Sotto. Both sides are compared best against best (Sotto's fastest BenchmarkDotNet
# iteration, libsignal's fastest run), the figures least disturbed by other work on a shared machine.
#
#   bench/protocol-vs-libsignal.sh              (BenchmarkDotNet's default job; about ten minutes)
#   JOB=short bench/protocol-vs-libsignal.sh    (ShortRun: a few minutes, noisier)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
JOB=${JOB:-default}
OUT=$(mktemp -d /tmp/sotto-protocol-bench.XXXXXX)

if [ ! -d tests/interop/libsignal/node_modules/@signalapp/libsignal-client ]; then
  (cd tests/interop/libsignal && npm ci --no-audit --no-fund --loglevel=error)
fi

echo "==> building bench/Sotto.Benchmarks (Release)" >&2
dotnet build bench/Sotto.Benchmarks -c Release -nologo -clp:ErrorsOnly >&2

echo "==> libsignal 0.103.0 through Node (first run)" >&2
node tests/interop/libsignal/bench.mjs 3 > "$OUT/libsignal-1.json"

echo "==> Sotto (BenchmarkDotNet, job $JOB)" >&2
dotnet bench/Sotto.Benchmarks/bin/Release/net10.0/Sotto.Benchmarks.dll \
  --filter '*SessionBenchmarks*' '*CurveBenchmarks*' --job "$JOB" --exporters json --artifacts "$OUT/bdn" >&2

echo "==> libsignal 0.103.0 through Node (second run)" >&2
node tests/interop/libsignal/bench.mjs 3 > "$OUT/libsignal-2.json"

node "$ROOT/bench/protocol-vs-libsignal.mjs" "$OUT/bdn/results" "$OUT/libsignal-1.json" "$OUT/libsignal-2.json"
echo "(raw results: $OUT)" >&2
