#!/usr/bin/env node
// Measures the wall time `lyceum compose run` adds to `docker compose up` of the same Compose file.
import console from 'node:console';
import process from 'node:process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchServer } from './support/bench-server.mjs';
import { removeComposeProjects } from './support/remove-compose-projects.mjs';
import { checkTarget, formatMs, printTable, printTargets } from './support/report.mjs';
import { formatStats, measureInterleaved } from './support/interleaved-runs.mjs';
import { runBenchmark } from './support/run-benchmark.mjs';
import { summarise } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';
import { runTimed } from './support/timed-command.mjs';

const IMAGE = 'lyceum-test/busybox:1';
const WARM_UP_RUNS = 2;
const RUN_TIMEOUT_MS = 120_000;
const TAKE_DOWN_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 50;
const MAX_RATIO = 1.3;
const SERVICES = ['first', 'second'];

const COMPOSE_FILE = `services:
${SERVICES.map(
  (service) => `  ${service}:\n    image: ${IMAGE}\n    command: ["echo", "hi from ${service}"]\n`,
).join('')}`;

await runBenchmark(
  {
    name: 'compose-run-overhead',
    description: `lyceum compose run vs docker compose up of two ${IMAGE} services printing a line`,
    defaults: { runs: 15, maxMinutes: 20 },
  },
  async ({ options, deadline, defer }) => {
    const workspace = await TempWorkspace.create('compose-run');
    defer(() => workspace.remove());
    const composeFile = join(workspace.filesDir, 'compose.yaml');
    await writeFile(composeFile, COMPOSE_FILE);
    const baselineProjects = new Set();
    // Runs after the server has stopped: takes down projects that an interrupted round left.
    defer(async () => {
      const runIds = await readdir(join(workspace.dataDir, 'compose')).catch(() => []);
      await removeComposeProjects([...baselineProjects, ...runIds.map((id) => `lyceum-${id}`)]);
    });
    const server = BenchServer.spawn(workspace);
    defer(() => server.stop());
    await server.waitUntilListening();
    const version = await runTimed('docker', ['compose', 'version', '--short'], {
      timeoutMs: RUN_TIMEOUT_MS,
    });
    console.log(`Server ${server.url} (pid ${server.pid}), data directory ${workspace.dataDir}`);
    console.log(`Compose ${version.stdout.trim()}; both sides run ${composeFile}.`);
    console.log(
      `${WARM_UP_RUNS} warm-up runs, then ${options.runs} timed runs of each, interleaved. ` +
        'Each project is taken down, untimed, before the next command starts.',
    );

    // Each command is taken down, untimed, before the next one starts.
    const commands = composeCommands(server, composeFile, workspace, baselineProjects);
    const runOnce = (name) => async () => {
      const run = await commands[name].run();
      await commands[name].takeDown();
      return run;
    };
    const runs = await measureInterleaved(
      Object.fromEntries(Object.keys(commands).map((name) => [name, runOnce(name)])),
      { count: options.runs, warmUpRuns: WARM_UP_RUNS, deadline },
    );
    const lyceum = summarise(runs.lyceum);
    const compose = summarise(runs.compose);

    console.log('');
    printTable(
      ['command', 'median ms', 'min ms', 'max ms', 'runs'],
      [
        ['docker compose up (baseline)', compose],
        ['lyceum compose run', lyceum],
      ].map(([label, stats]) => [label, ...formatStats(stats)]),
    );
    console.log('');
    console.log(`Added by lyceum: ${formatMs(lyceum.median - compose.median)} ms.`);
    console.log('');
    const targets = [
      checkTarget({
        label: 'lyceum / docker compose median time',
        measured: lyceum.median / compose.median,
        bound: 'at most',
        limit: MAX_RATIO,
        unit: 'x',
      }),
    ];
    printTargets(targets);
    return targets;
  },
);

/**
 * Builds the two timed commands. Each checks that every service printed its line, and each has
 * an untimed `takeDown` that waits until the project's containers, networks and volumes are gone.
 */
function composeCommands(server, composeFile, workspace, baselineProjects) {
  const projectPrefix = `lyceum-bench-${process.pid}`;
  let round = 0;
  const project = () => `${projectPrefix}-${round}`;
  return {
    lyceum: {
      run: () =>
        expectServiceLines(
          server.cli(['compose', 'run', '--pull', 'never', composeFile], {
            timeoutMs: RUN_TIMEOUT_MS,
          }),
        ),
      // The server takes a project down after it reports the run's end, and then deletes the
      // run's working files, so an empty Compose folder means the take-down is complete.
      takeDown: () => waitUntilEmpty(join(workspace.dataDir, 'compose')),
    },
    compose: {
      run: () => {
        round++;
        baselineProjects.add(project());
        const args = ['compose', '-p', project(), '-f', composeFile, 'up', '--pull', 'never'];
        return expectServiceLines(runTimed('docker', args, { timeoutMs: RUN_TIMEOUT_MS }));
      },
      takeDown: async () => {
        const args = ['compose', '-p', project(), '-f', composeFile, 'down', '--volumes'];
        await runTimed('docker', args, { timeoutMs: TAKE_DOWN_TIMEOUT_MS });
        baselineProjects.delete(project());
      },
    },
  };
}

async function expectServiceLines(timedRun) {
  const run = await timedRun;
  for (const service of SERVICES) {
    const line = new RegExp(`^${service}(-1)?\\s+\\| hi from ${service}$`, 'm');
    if (!line.test(run.stdout)) {
      throw new Error(
        `Expected a line "hi from ${service}" from ${service}, got ${JSON.stringify(run.stdout)}.`,
      );
    }
  }
  return run;
}

async function waitUntilEmpty(folder) {
  const limit = Date.now() + TAKE_DOWN_TIMEOUT_MS;
  while ((await readdir(folder)).length > 0) {
    if (Date.now() > limit) {
      throw new Error(
        `The server did not take its project down within ${TAKE_DOWN_TIMEOUT_MS} ms.`,
      );
    }
    await sleep(POLL_INTERVAL_MS);
  }
}
