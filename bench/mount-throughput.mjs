#!/usr/bin/env node
// Measures dd through the bucket mounted in a lyceum container against the same dd on the host.
import console from 'node:console';
import { basename, join } from 'node:path';
import { BenchServer } from './support/bench-server.mjs';
import {
  checkTarget,
  formatMbPerSecond,
  formatMs,
  printTable,
  printTargets,
} from './support/report.mjs';
import { removeLabelledContainers } from './support/remove-containers.mjs';
import { budgetSpent, runBenchmark } from './support/run-benchmark.mjs';
import { summarise } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';
import { runTimed } from './support/timed-command.mjs';

const IMAGE = 'lyceum-test/busybox:1';
const MOUNT_PATH = '/mnt/s3';
const MIB = 1024 * 1024;
const RUN_TIMEOUT_SECONDS = 900;
const MIN_RATIO = 0.9;
// Labels the plain `docker run` containers, so an interrupted benchmark can remove its own.
const WORKSPACE_LABEL = 'dev.lyceum-bench.workspace';

// Busybox 1.35's date has no %N and its dd prints no timing, but `ts "%.s"` stamps a line with
// microseconds, so the container times itself. The host uses coreutils date.
const CONTAINER_STAMP = 'stamp() { echo "$1" | busybox ts "%.s"; }';
const HOST_STAMP = 'stamp() { echo "$(date +%s.%N) $1"; }';

await runBenchmark(
  {
    name: 'mount-throughput',
    description: `dd through ${MOUNT_PATH} in a lyceum docker run vs dd on the host`,
    defaults: { sizeBytes: 1024 * MIB, repeats: 5, maxMinutes: 30 },
  },
  async ({ options, deadline, defer }) => {
    if (options.sizeBytes % MIB !== 0) {
      throw new Error(
        `--size ${options.sizeBytes} bytes is invalid: dd bs=1M needs a whole number of MiB.`,
      );
    }
    const blockCount = options.sizeBytes / MIB;
    const workspace = await TempWorkspace.create('mount');
    defer(() => workspace.remove());
    defer(() => removeLabelledContainers(WORKSPACE_LABEL, basename(workspace.root)));
    const server = BenchServer.spawn(workspace);
    defer(() => server.stop());
    await server.waitUntilListening();
    console.log(`Server ${server.url} (pid ${server.pid}), data directory ${workspace.dataDir}`);
    console.log(
      `${options.repeats} rounds of host, lyceum container and plain docker run. Tables show medians.`,
    );

    const runners = {
      host: () => runOnHost(workspace.filesDir, blockCount),
      container: () => runInContainer(server, blockCount),
      plainDocker: () => runInPlainDocker(workspace, blockCount),
    };
    const sides = { host: [], container: [], plainDocker: [] };
    for (let round = 0; round < options.repeats; round++) {
      if (round > 0 && budgetSpent(deadline, `${round} of ${options.repeats} rounds`)) break;
      const names = Object.keys(runners);
      for (const side of round % 2 === 0 ? names : names.reverse()) {
        sides[side].push(parseTimings(await runners[side](), blockCount, side));
      }
    }

    const host = summariseTimings(sides.host);
    const container = summariseTimings(sides.container);
    const plainDocker = summariseTimings(sides.plainDocker);
    printResults({ host, container, plainDocker, sizeBytes: options.sizeBytes });
    const targets = [
      checkTarget({
        label: 'container / host write throughput',
        measured: host.write.median / container.write.median,
        bound: 'at least',
        limit: MIN_RATIO,
        unit: 'x',
      }),
      checkTarget({
        label: 'container / host read throughput',
        measured: host.read.median / container.read.median,
        bound: 'at least',
        limit: MIN_RATIO,
        unit: 'x',
      }),
    ];
    console.log('');
    printTargets(targets);
    return targets;
  },
);

/** Builds the shell script every side runs: a stamp before and after each dd, then removing the file. */
function ddScript(stamp, path, blockCount) {
  return [
    'set -e',
    stamp,
    'stamp write-start',
    `dd if=/dev/zero of=${path} bs=1M count=${blockCount} conv=fsync 2>&1`,
    'stamp write-end',
    'stamp read-start',
    `dd if=${path} of=/dev/null bs=1M 2>&1`,
    'stamp read-end',
    `rm -f ${path}`,
  ].join('\n');
}

async function runOnHost(directory, blockCount) {
  const script = ddScript(HOST_STAMP, join(directory, 'bench.bin'), blockCount);
  const run = await runTimed('sh', ['-c', script], { timeoutMs: RUN_TIMEOUT_SECONDS * 1000 });
  return run.stdout;
}

async function runInContainer(server, blockCount) {
  const script = ddScript(CONTAINER_STAMP, `${MOUNT_PATH}/bench.bin`, blockCount);
  const args = ['docker', 'run', '--pull', 'never', '--timeout', String(RUN_TIMEOUT_SECONDS)];
  const run = await server.cli([...args, IMAGE, '-c', script], {
    timeoutMs: (RUN_TIMEOUT_SECONDS + 60) * 1000,
  });
  return run.stdout;
}

/**
 * Runs the same container under a plain `docker run` with a bind mount of a host folder on the
 * same disk. It separates what Docker and busybox cost from what lyceum adds.
 */
async function runInPlainDocker(workspace, blockCount) {
  const script = ddScript(CONTAINER_STAMP, `${MOUNT_PATH}/bench.bin`, blockCount);
  const args = [
    ...[
      'run',
      '--rm',
      '--pull',
      'never',
      '--label',
      `${WORKSPACE_LABEL}=${basename(workspace.root)}`,
    ],
    ...['-v', `${workspace.filesDir}:${MOUNT_PATH}`],
  ];
  const run = await runTimed('docker', [...args, IMAGE, 'sh', '-c', script], {
    timeoutMs: RUN_TIMEOUT_SECONDS * 1000,
  });
  return run.stdout;
}

/**
 * Reads the four stamps, in microseconds, and checks that both dd commands moved every block,
 * so a short write can never pass for a fast one.
 */
function parseTimings(output, blockCount, side) {
  const stamps = {};
  for (const match of output.matchAll(/^(\d+)\.(\d{6})\d* ([a-z-]+)$/gm)) {
    stamps[match[3]] = Number(match[1]) * 1e6 + Number(match[2]);
  }
  for (const label of ['write-start', 'write-end', 'read-start', 'read-end']) {
    if (stamps[label] === undefined) {
      throw new Error(`The ${side} output has no ${label} stamp:\n${output}`);
    }
  }
  const fullBlocks = output.match(new RegExp(`^${blockCount}\\+0 records out$`, 'gm')) ?? [];
  if (fullBlocks.length !== 2) {
    throw new Error(
      `Expected both dd commands on the ${side} to copy ${blockCount} blocks:\n${output}`,
    );
  }
  return {
    writeMs: (stamps['write-end'] - stamps['write-start']) / 1000,
    readMs: (stamps['read-end'] - stamps['read-start']) / 1000,
  };
}

function summariseTimings(timings) {
  return {
    write: summarise(timings.map((timing) => timing.writeMs)),
    read: summarise(timings.map((timing) => timing.readMs)),
  };
}

function printResults({ host, container, plainDocker, sizeBytes }) {
  const rows = [
    ['host write, conv=fsync (baseline)', host.write, host.write],
    [`lyceum container write to ${MOUNT_PATH}`, container.write, host.write],
    ['plain docker run write (bind mount)', plainDocker.write, host.write],
    ['host read (baseline)', host.read, host.read],
    [`lyceum container read from ${MOUNT_PATH}`, container.read, host.read],
    ['plain docker run read (bind mount)', plainDocker.read, host.read],
  ];
  console.log('');
  printTable(
    ['dd', 'median ms', 'min ms', 'max ms', 'MB/s', 'vs host'],
    rows.map(([label, stats, baseline]) => [
      label,
      formatMs(stats.median),
      formatMs(stats.min),
      formatMs(stats.max),
      formatMbPerSecond(sizeBytes, stats.median),
      `${(baseline.median / stats.median).toFixed(2)}x`,
    ]),
  );
  console.log(
    `${host.write.count} rounds of ${sizeBytes} bytes each, and MB/s is from the median. Times come\n` +
      "from each side's own clock, so container start-up is excluded. Reads follow the write at once\n" +
      'and come from the page cache on every side: they measure the cache and the mount, not the disk.\n' +
      'The host runs coreutils dd, and the containers run busybox dd.',
  );
  // Disk writes on a shared or virtual disk swing between rounds, and the fastest round of each
  // side shows what the mount costs with the least of that noise.
  const fastestRatio = (side, baseline) => (baseline.min / side.min).toFixed(2);
  console.log(
    `Fastest rounds vs the host's fastest: lyceum write ${fastestRatio(container.write, host.write)}x, ` +
      `read ${fastestRatio(container.read, host.read)}x; plain docker run write ` +
      `${fastestRatio(plainDocker.write, host.write)}x, read ${fastestRatio(plainDocker.read, host.read)}x.`,
  );
}
