#!/usr/bin/env node
// Measures the wall time `lyceum docker run` adds to a plain `docker run` of the same container.
import console from 'node:console';
import process from 'node:process';
import { BenchServer, CLI_COMMAND } from './support/bench-server.mjs';
import { checkTarget, formatMs, printTable, printTargets } from './support/report.mjs';
import { expectOutput, formatStats, measureInterleaved } from './support/interleaved-runs.mjs';
import { runBenchmark } from './support/run-benchmark.mjs';
import { summarise } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';
import { runTimed } from './support/timed-command.mjs';

const IMAGE = 'lyceum-test/busybox:1';
const WARM_UP_RUNS = 2;
const RUN_TIMEOUT_MS = 120_000;
const MAX_RATIO = 1.3;
const MAX_ADDED_MS = 300;

await runBenchmark(
  {
    name: 'docker-run-overhead',
    description: `lyceum docker run vs docker run of ${IMAGE} printing "hi"`,
    defaults: { runs: 15, maxMinutes: 20 },
  },
  async ({ options, deadline, defer }) => {
    const workspace = await TempWorkspace.create('docker-run');
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
        ['lyceum docker run', lyceum],
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
    if (process.env.NODE_EXTRA_CA_CERTS) {
      // Node reads this file while it starts, so `node -e ''` pays for it and bin/lyceum does not.
      console.log(
        `NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): Node reads it at start-up, ` +
          'bin/lyceum passes it on for the CLI to read only for an https server.',
      );
    }
    console.log('');
    const targets = [
      checkTarget({
        label: 'lyceum / docker median time',
        measured: lyceum.median / docker.median,
        bound: 'at most',
        limit: MAX_RATIO,
        unit: 'x',
      }),
      checkTarget({
        label: 'time added by lyceum',
        measured: addedMs,
        bound: 'at most',
        limit: MAX_ADDED_MS,
        unit: ' ms',
        digits: 0,
      }),
    ];
    printTargets(targets);
    return targets;
  },
);

/** Builds the four timed commands. All but `node -e ''` check the output they must print. */
function runCommands(server) {
  const echoHi = ['-c', 'echo hi'];
  return {
    lyceum: () =>
      expectOutput(
        server.cli(['docker', 'run', '--pull', 'never', IMAGE, ...echoHi], {
          timeoutMs: RUN_TIMEOUT_MS,
        }),
        'hi',
      ),
    docker: () =>
      expectOutput(
        runTimed('docker', ['run', '--rm', '--pull', 'never', IMAGE, 'sh', ...echoHi], {
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
