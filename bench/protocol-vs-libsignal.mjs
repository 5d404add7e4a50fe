// Prints the Sotto/libsignal table of bench/protocol-vs-libsignal.sh from BenchmarkDotNet's JSON reports and the
// output of tests/interop/libsignal/bench.mjs. No dependencies.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';

const [resultsDir, ...libsignalFiles] = process.argv.slice(2);
const sotto = {};
for (const file of readdirSync(resultsDir).filter((f) => f.endsWith('.json'))) {
  const report = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'));
  for (const b of report.Benchmarks) {
    sotto[b.Method] = { opsPerSecond: 1e9 / b.Statistics.Min, medianOpsPerSecond: 1e9 / b.Statistics.Median, allocated: b.Memory?.BytesAllocatedPerOperation };
  }
}
// Best against best: Sotto's fastest BenchmarkDotNet iteration, libsignal's fastest run (each run is the mean of
// thousands of operations). On a machine shared with other work, the fastest figure is the least disturbed one.
const runs = libsignalFiles.map((f) => JSON.parse(readFileSync(f, 'utf8')));
const libsignal = { ...runs[0], results: {} };
for (const run of runs) {
  for (const [name, r] of Object.entries(run.results)) {
    const best = Math.max(...r.runs);
    if (!libsignal.results[name] || best > libsignal.results[name].opsPerSecond) libsignal.results[name] = { opsPerSecond: best, runs: r.runs };
  }
}

const rows = [
  ['established session, one direction (encrypt + decrypt, 100 B)', 'OneDirection', 'oneDirection', 10],
  ['established session, ping-pong (DH ratchet step every message)', 'PingPong', 'pingPong', 10],
  ['session setup (process bundle + first encrypt + first decrypt)', 'SessionSetup', 'sessionSetup', 2],
  ['XEdDSA sign (33 B)', 'XEdDsaSign', 'xeddsaSign', 1],
  ['XEdDSA sign, one-off static API (no kept key object)', 'XEdDsaSignOneOff', 'xeddsaSign', null],
  ['XEdDSA verify (33 B)', 'XEdDsaVerify', 'xeddsaVerify', 1],
  ['XEdDSA verify, kept key object (Edwards form computed once)', 'XEdDsaVerifyKeptKey', 'xeddsaVerify', null],
  ['X25519 agreement', 'X25519Agree', 'x25519Agree', null],
];
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`Machine: ${os.cpus()[0].model}, ${os.cpus().length} cores; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}; libsignal-client ${libsignal.libsignalClient} on Node ${libsignal.node}`);
console.log('');
console.log('| workload | Sotto ops/s | libsignal (Node) ops/s | Sotto/libsignal | target |');
console.log('|---|---:|---:|---:|---:|');
for (const [label, ours, theirs, target] of rows) {
  const s = sotto[ours]?.opsPerSecond;
  const l = libsignal.results[theirs]?.opsPerSecond;
  const ratio = s && l ? s / l : NaN;
  const verdict = target === null ? '—' : `≥ ${target}× ${ratio >= target ? '(met)' : '(missed)'}`;
  console.log(`| ${label} | ${s ? fmt(s) : 'n/a'} | ${l ? fmt(l) : 'n/a'} | ${Number.isNaN(ratio) ? 'n/a' : ratio.toFixed(2) + '×'} | ${verdict} |`);
}
console.log('');
console.log('Sotto: fastest BenchmarkDotNet iteration (medians below); libsignal: fastest of six runs (two invocations of bench.mjs, three runs each). Load average printed at the end of the run.');
for (const [label, ours] of rows) {
  if (sotto[ours]) console.log(`- ${ours}: median ${fmt(sotto[ours].medianOpsPerSecond)} ops/s, ${sotto[ours].allocated ?? '?'} B allocated per operation`);
}
