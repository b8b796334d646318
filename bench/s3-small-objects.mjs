#!/usr/bin/env node
/* global AbortSignal -- a Node.js global, which the ESLint config does not declare */
// Measures PutObject and GetObject calls per second for small objects, lyceum against s3rver.
import console from 'node:console';
import { Buffer } from 'node:buffer';
import { randomFillSync } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { checkTarget, printTable, printTargets } from './support/report.mjs';
import { budgetSpent, runBenchmark } from './support/run-benchmark.mjs';
import { MinimalS3Client } from './support/minimal-s3-client.mjs';
import { timeDurableWrites } from './support/durable-write.mjs';
import { readOwnMainThreadCpuMs, readProcessCpuMs } from './support/process-cpu.mjs';
import { runConcurrently } from './support/s3-operations.mjs';
import { LyceumS3Server, S3rverProcess } from './support/s3-servers.mjs';
import { median } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';

const OBJECT_COUNT = 1000;
const OBJECT_BYTES = 4096;
const WARM_UP_COUNT = 50;
const DURABLE_WRITE_COUNT = 200;
const CONCURRENCIES = [1, 8];
const S3RVER_BUCKET = 'bench';
const REQUEST_TIMEOUT_MS = 60_000;
const MIN_S3RVER_RATIO = 2;
const CLIENTS = ['sdk', 'minimal'];
const CLIENT_LABELS = { sdk: 'AWS SDK', minimal: 'minimal client' };

await runBenchmark(
  {
    name: 's3-small-objects',
    description: `${OBJECT_COUNT} PutObject then ${OBJECT_COUNT} GetObject calls of ${OBJECT_BYTES / 1024} KiB objects, lyceum vs s3rver`,
    defaults: { repeats: 3, maxMinutes: 30 },
  },
  async ({ options, deadline, defer }) => {
    const workspace = await TempWorkspace.create('s3-small-objects');
    defer(() => workspace.remove());
    const lyceum = LyceumS3Server.spawn(workspace);
    defer(() => lyceum.stop());
    const s3rverDir = join(workspace.root, 's3rver');
    await mkdir(s3rverDir);
    const s3rver = S3rverProcess.spawn({
      directory: s3rverDir,
      logPath: join(workspace.root, 's3rver.log'),
    });
    defer(() => s3rver.stop());
    await lyceum.waitUntilListening();
    await s3rver.waitUntilListening();

    const lyceumTarget = await lyceum.createClient(options.maxMinutes * 60 + 600);
    const s3rverTarget = await s3rver.createClient(S3RVER_BUCKET);
    const sides = [
      { name: 'lyceum', pid: lyceum.pid, clients: clientsFor(lyceumTarget) },
      { name: 's3rver', pid: s3rver.pid, clients: clientsFor(s3rverTarget) },
    ];
    defer(() => sides.forEach((side) => side.clients.minimal.close()));
    console.log(
      `lyceum ${lyceumTarget.endpoint} (pid ${lyceum.pid}), data directory ${workspace.dataDir}`,
    );
    console.log(`s3rver ${s3rver.endpoint} (pid ${s3rver.pid}), directory ${s3rverDir}`);
    const bodies = Array.from({ length: OBJECT_COUNT }, () =>
      randomFillSync(Buffer.alloc(OBJECT_BYTES)),
    );
    for (const side of sides) {
      const warmUp = bodies.slice(0, WARM_UP_COUNT);
      for (const client of CLIENTS) {
        await putAndGetAll(side, client, `small/warm-up-${client}`, warmUp, CONCURRENCIES.at(-1));
      }
    }
    console.log(
      `${WARM_UP_COUNT} warm-up objects on each server, then ${options.repeats} rounds. In each round ` +
        'each server in turn (the order alternates)\nstores new keys and reads them back, ' +
        `sequentially and then ${CONCURRENCIES.at(-1)} calls at a time, first with the AWS SDK ` +
        'and then with a minimal SigV4 client.\nTables show medians.',
    );

    const durableWriteMs = timeDurableWrites(
      join(workspace.root, 'durable-writes'),
      bodies[0],
      DURABLE_WRITE_COUNT,
    );

    const rounds = [];
    for (let round = 0; round < options.repeats; round++) {
      if (round > 0 && budgetSpent(deadline, `${round} of ${options.repeats} rounds`)) break;
      const measured = {};
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        measured[side.name] = {};
        for (const client of CLIENTS) {
          measured[side.name][client] = {};
          for (const concurrency of CONCURRENCIES) {
            const prefix = `small/round-${round + 1}/${client}-${concurrency}`;
            measured[side.name][client][concurrency] = await putAndGetAll(
              side,
              client,
              prefix,
              bodies,
              concurrency,
            );
          }
        }
      }
      rounds.push(measured);
    }

    const results = summariseRounds(rounds);
    printResults(results, rounds.length);
    printCeilings(results, durableWriteMs);
    console.log('');
    const targets = results.map((row) =>
      checkTarget({
        label: `lyceum / s3rver ${row.label} calls per second`,
        measured: row.lyceum.opsPerSecond / row.s3rver.opsPerSecond,
        bound: 'at least',
        limit: MIN_S3RVER_RATIO,
        unit: 'x',
      }),
    );
    printTargets(targets);
    return targets;
  },
);

/**
 * Returns the two clients of one server, each as `put(key, body)` and `get(key)`: the AWS SDK
 * with the settings the server's client was made with, and the minimal SigV4 client.
 */
function clientsFor({ client, bucket, endpoint, region, credentials }) {
  const timeout = () => ({ abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const minimal = new MinimalS3Client({ endpoint, region, ...credentials });
  return {
    sdk: {
      put: (key, body) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }), timeout()),
      get: async (key) => {
        const response = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: key }),
          timeout(),
        );
        return response.Body.transformToByteArray();
      },
      close: () => undefined,
    },
    minimal: {
      put: (key, body) => minimal.putObject(bucket, key, body),
      get: (key) => minimal.getObject(bucket, key),
      close: () => minimal.destroy(),
    },
  };
}

/**
 * Stores every body under `prefix` with PutObject, then reads each back with GetObject and checks
 * its bytes, with at most `concurrency` calls in flight. Returns each phase's calls per second,
 * the latency of every call in milliseconds, and the server's CPU milliseconds per call.
 */
async function putAndGetAll({ name, pid, clients }, clientName, prefix, bodies, concurrency) {
  const client = clients[clientName];
  const keyOf = (index) => `${prefix}/object-${String(index).padStart(6, '0')}`;

  const phase = async (call) => {
    const cpuBefore = readProcessCpuMs(pid);
    const clientCpuBefore = readOwnMainThreadCpuMs();
    const start = performance.now();
    const latencies = await runConcurrently(bodies.length, concurrency, call);
    const wallMs = performance.now() - start;
    return {
      opsPerSecond: bodies.length / (wallMs / 1000),
      latencies,
      cpuMsPerCall: (readProcessCpuMs(pid) - cpuBefore) / bodies.length,
      clientCpuMsPerCall: (readOwnMainThreadCpuMs() - clientCpuBefore) / bodies.length,
    };
  };

  const put = await phase((index) => client.put(keyOf(index), bodies[index]));
  const get = await phase(async (index) => {
    const bytes = await client.get(keyOf(index));
    if (!bodies[index].equals(bytes)) {
      throw new Error(
        `${name}: GetObject of ${keyOf(index)} with the ${clientName} client returned ` +
          `${bytes.length} bytes that differ from the ${bodies[index].length} bytes stored.`,
      );
    }
  });
  return { put, get };
}

/**
 * Returns one row per operation and concurrency, with each server's median calls per second over
 * the rounds and the percentiles of all calls' latencies.
 */
function summariseRounds(rounds) {
  if (rounds.length === 0) throw new Error('No round finished.');
  const rows = [];
  for (const client of CLIENTS) {
    for (const operation of ['put', 'get']) {
      for (const concurrency of CONCURRENCIES) {
        const summarise = (side) => {
          const phases = rounds.map((round) => round[side][client][concurrency][operation]);
          const latencies = phases.flatMap((phase) => phase.latencies);
          return {
            opsPerSecond: median(phases.map((phase) => phase.opsPerSecond)),
            cpuMsPerCall: median(phases.map((phase) => phase.cpuMsPerCall)),
            clientCpuMsPerCall: median(phases.map((phase) => phase.clientCpuMsPerCall)),
            p50: percentile(latencies, 0.5),
            p99: percentile(latencies, 0.99),
          };
        };
        const name = operation === 'put' ? 'PutObject' : 'GetObject';
        const calls = concurrency === 1 ? 'sequential' : `${concurrency} at a time`;
        rows.push({
          label: `${CLIENT_LABELS[client]}: ${name}, ${calls}`,
          operation,
          concurrency,
          lyceum: summarise('lyceum'),
          s3rver: summarise('s3rver'),
        });
      }
    }
  }
  return rows;
}

/** Returns the nearest-rank percentile (`fraction` from 0 to 1) of a non-empty list. */
function percentile(values, fraction) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

function printResults(rows, roundCount) {
  console.log('');
  printTable(
    ['client: operation', 'lyceum calls/s', 's3rver calls/s', 'lyceum / s3rver'],
    rows.map((row) => [
      row.label,
      row.lyceum.opsPerSecond.toFixed(0),
      row.s3rver.opsPerSecond.toFixed(0),
      `${(row.lyceum.opsPerSecond / row.s3rver.opsPerSecond).toFixed(2)}x`,
    ]),
  );
  console.log('');
  printTable(
    ['server CPU per call', 'lyceum ms', 's3rver ms', 's3rver / lyceum'],
    rows.map((row) => [
      row.label,
      row.lyceum.cpuMsPerCall.toFixed(2),
      row.s3rver.cpuMsPerCall.toFixed(2),
      `${(row.s3rver.cpuMsPerCall / row.lyceum.cpuMsPerCall).toFixed(2)}x`,
    ]),
  );
  console.log('');
  printTable(
    ['latency of one call', 'lyceum p50 ms', 'lyceum p99 ms', 's3rver p50 ms', 's3rver p99 ms'],
    rows.map((row) => [
      row.label,
      row.lyceum.p50.toFixed(1),
      row.lyceum.p99.toFixed(1),
      row.s3rver.p50.toFixed(1),
      row.s3rver.p99.toFixed(1),
    ]),
  );
  console.log(
    `${roundCount} rounds of ${OBJECT_COUNT} calls per row and server; every GetObject returned the bytes stored.\n` +
      'Server CPU is user plus system time of the server process and its threads, from /proc.\n' +
      'lyceum fsyncs each object and its folder before it responds to a PutObject. s3rver fsyncs nothing.',
  );
}

/**
 * Prints the most calls per second any server could serve with each client, and that as a ratio
 * to s3rver's measured rate. A call cannot take less than the client's main thread spends on it,
 * where all its JavaScript runs. A sequential PutObject to a server that keeps objects durable
 * also waits for the durable write measured on the same disk.
 */
function printCeilings(rows, durableWriteMs) {
  console.log('');
  printTable(
    ['client: operation', 'client ms', 'durable ms', 'highest calls/s', 'highest / s3rver'],
    rows.map((row) => {
      const clientMs = row.lyceum.clientCpuMsPerCall;
      const waitMs = row.operation === 'put' && row.concurrency === 1 ? durableWriteMs : 0;
      const highest = 1000 / (clientMs + waitMs);
      return [
        row.label,
        clientMs.toFixed(2),
        waitMs === 0 ? '' : waitMs.toFixed(2),
        highest.toFixed(0),
        `${(highest / row.s3rver.opsPerSecond).toFixed(2)}x`,
      ];
    }),
  );
  console.log(
    "client ms: the benchmark process's main thread CPU per call during lyceum's calls, from\n" +
      `/proc/PID/task/PID/stat. durable ms: the median of ${DURABLE_WRITE_COUNT} writes that create, write, fsync and rename\n` +
      'a file and fsync its folder, one after the other on the same disk, for sequential PutObject only.',
  );
}
