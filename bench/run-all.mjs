#!/usr/bin/env node
// Runs every benchmark one after another with the same flags and prints a summary of the results.
import console from 'node:console';
import process from 'node:process';
import { join } from 'node:path';
import { execa } from 'execa';
import { USAGE } from './support/bench-options.mjs';
import { printTable } from './support/report.mjs';
import { EXIT_ALL_PASS, EXIT_FAILED, EXIT_TARGET_MISSED } from './support/run-benchmark.mjs';

const BENCHMARKS = [
  'docker-run-overhead.mjs',
  'compose-run-overhead.mjs',
  'python-run-overhead.mjs',
  'transfer-throughput.mjs',
  'mount-throughput.mjs',
  's3-throughput.mjs',
  's3-small-objects.mjs',
  's3-listing.mjs',
];
// Each benchmark bounds itself with --max-minutes, so this limit only catches one that hangs.
const BENCHMARK_TIMEOUT_MS = 60 * 60_000;

const RESULTS = {
  [EXIT_ALL_PASS]: 'all targets met',
  [EXIT_TARGET_MISSED]: 'target missed',
  [EXIT_FAILED]: 'FAILED',
};

const argv = process.argv.slice(2);
if (argv.includes('--help')) {
  console.log(`run-all: runs ${BENCHMARKS.join(', ')}\n\n${USAGE}`);
  process.exit(0);
}

const summary = [];
for (const file of BENCHMARKS) {
  const run = await execa(process.execPath, [join(import.meta.dirname, file), ...argv], {
    stdio: 'inherit',
    reject: false,
    timeout: BENCHMARK_TIMEOUT_MS,
  });
  const exitCode = run.timedOut ? EXIT_FAILED : (run.exitCode ?? EXIT_FAILED);
  summary.push({ file, exitCode });
  console.log('');
}

console.log('== Summary');
printTable(
  ['benchmark', 'exit code', 'result'],
  summary.map(({ file, exitCode }) => [file, exitCode, RESULTS[exitCode] ?? 'FAILED']),
);
process.exitCode = Math.max(...summary.map(({ exitCode }) => exitCode));
