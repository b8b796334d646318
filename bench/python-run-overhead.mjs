#!/usr/bin/env node
// Measures the wall time `lyceum python run` adds to `docker run` of the same image running python3 -c.
import console from 'node:console';
import process from 'node:process';
import { BenchServer, CLI_COMMAND } from './support/bench-server.mjs';
import { checkTarget, formatMs, printTable, printTargets } from './support/report.mjs';
import { expectOutput, formatStats, measureInterleaved } from './support/interleaved-runs.mjs';
import { runBenchmark } from './support/run-benchmark.mjs';
import { summarise } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';
import { runTimed } from './support/timed-command.mjs';

const IMAGE = 'lyceum-test/python:2';
const LINE = 'print("hi")';
const WARM_UP_RUNS = 2;
const RUN_TIMEOUT_MS = 120_000;
const MAX_RATIO = 1.5;

await runBenchmark(
  {
    name: 'python-run-overhead',
    description: `lyceum python run vs docker run of ${IMAGE} running python3 -c '${LINE}'`,
    defaults: { runs: 15, maxMinutes: 20 },
  },
  async ({ options, deadline, defer }) => {
    const workspace = await TempWorkspace.create('python-run');
    defer(() => workspace.remove());
    const server = BenchServer.spawn(workspace);
    defer(() => server.stop());
    await server.waitUntilListening();
    console.log(`Server ${server.url} (pid ${server.pid}), data directory ${workspace.dataDir}`);
    console.log(
      `${WARM_UP_RUNS} warm-up runs, then ${options.runs} timed runs of each, interleaved.`,
    );

    const runs = await measureInterleaved(runCommands(server), {
      count: options.runs,
      warmUpRuns: WARM_UP_RUNS,
      deadline,
    });
    const lyceum = summarise(runs.lyceum);
    const docker = summarise(runs.docker);
    const nodeStart = summarise(runs.nodeStart);
    const cliStart = summarise(runs.cliStart);

    console.log('');
    printTable(
      ['command', 'median ms', 'min ms', 'max ms', 'runs'],
      [
        ['docker run --rm (baseline)', docker],
        ['lyceum python run', lyceum],
        ["node -e '' (Node start-up)", nodeStart],
        ['lyceum --version (CLI start-up)', cliStart],
      ].map(([label, stats]) => [label, ...formatStats(stats)]),
    );
    const addedMs = lyceum.median - docker.median;
    console.log('');
    console.log(
      `Added by lyceum: ${formatMs(addedMs)} ms, of which CLI start-up is ${formatMs(cliStart.median)} ms ` +
        `(Node alone ${formatMs(nodeStart.median)} ms) and the rest ${formatMs(addedMs - cliStart.median)} ms.`,
    );
    console.log('');
    const targets = [
      checkTarget({
        label: 'lyceum / docker median time',
        measured: lyceum.median / docker.median,
        bound: 'at most',
        limit: MAX_RATIO,
        unit: 'x',
      }),
    ];
    printTargets(targets);
    return targets;
  },
);

/** Builds the four timed commands. All but `node -e ''` check the output they must print. */
function runCommands(server) {
  return {
    lyceum: () =>
      expectOutput(
        server.cli(['python', 'run', '--image', IMAGE, '--pull', 'never', LINE], {
          timeoutMs: RUN_TIMEOUT_MS,
        }),
        'hi',
      ),
    docker: () =>
      expectOutput(
        runTimed('docker', ['run', '--rm', '--pull', 'never', IMAGE, 'python3', '-c', LINE], {
          timeoutMs: RUN_TIMEOUT_MS,
        }),
        'hi',
      ),
    nodeStart: () => runTimed(process.execPath, ['-e', ''], { timeoutMs: RUN_TIMEOUT_MS }),
    cliStart: () =>
      expectOutput(
        runTimed(CLI_COMMAND, ['--version'], { timeoutMs: RUN_TIMEOUT_MS }),
        /^\d+\.\d+\.\d+$/,
      ),
  };
}
