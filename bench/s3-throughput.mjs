#!/usr/bin/env node
// Measures PutObject and GetObject of one large object with the AWS SDK against cp, and s3rver.
import console from 'node:console';
import process from 'node:process';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MemorySampler, readProcStatusKib } from './support/memory-sampler.mjs';
import { withProcessCpu } from './support/process-cpu.mjs';
import { sha256OfFile, writeRandomFile } from './support/random-file.mjs';
import {
  checkTarget,
  formatMbPerSecond,
  formatMib,
  formatMs,
  printTable,
  printTargets,
} from './support/report.mjs';
import { budgetSpent, runBenchmark } from './support/run-benchmark.mjs';
import {
  deleteObject,
  timeCurlGetToSyncedFile,
  timeCurlPut,
  timeGetObjectToFile,
  timePutObject,
  timeUpload,
} from './support/s3-operations.mjs';
import { CHECKSUMS_WHEN_REQUIRED, LyceumS3Server, S3rverProcess } from './support/s3-servers.mjs';
import { summarise } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';
import { runTimed } from './support/timed-command.mjs';

const UPLOAD_KEY = 'throughput/upload.bin';
const PUT_KEY = 'throughput/put.bin';
const CURL_KEY = 'throughput/curl.bin';
const S3RVER_BUCKET = 'bench';
const COMMAND_TIMEOUT_MS = 600_000;
const MIN_WRITE_RATIO = 0.5;
const MIN_READ_RATIO = 0.7;
const MAX_SERVER_PEAK_MIB = 200;
const MIN_S3RVER_RATIO = 3;

await runBenchmark(
  {
    name: 's3-throughput',
    description: 'PutObject and GetObject of one object with the AWS SDK vs cp and vs s3rver',
    defaults: { sizeBytes: 1024 ** 3, repeats: 3, maxMinutes: 30 },
  },
  async ({ options, deadline, defer }) => {
    const workspace = await TempWorkspace.create('s3-throughput');
    defer(() => workspace.remove());
    const source = join(workspace.filesDir, 'source.bin');
    console.log(`Writing ${options.sizeBytes} random bytes to ${source} ...`);
    const sourceSha256 = await writeRandomFile(source, options.sizeBytes);

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

    const credentialSeconds = options.maxMinutes * 60 + 600;
    const s3rverTarget = await s3rver.createClient(S3RVER_BUCKET);
    const sides = [
      {
        name: 'lyceum',
        target: await lyceum.createClient(credentialSeconds),
        presigner: await lyceum.createClient(credentialSeconds, CHECKSUMS_WHEN_REQUIRED),
        syncAfterWrite: undefined,
        pid: lyceum.pid,
      },
      // s3rver responds before its file is on disk, so a sync -f after each of its uploads shows
      // what lyceum's durability (an fsync before the response) would cost it.
      {
        name: 's3rver',
        target: s3rverTarget,
        presigner: s3rverTarget,
        syncAfterWrite: s3rverDir,
        pid: s3rver.pid,
      },
    ];
    const idleRssKib = readProcStatusKib(lyceum.pid, 'VmRSS');
    console.log(
      `lyceum ${sides[0].target.endpoint} (pid ${lyceum.pid}), data directory ${workspace.dataDir}`,
    );
    console.log(`s3rver ${s3rver.endpoint} (pid ${s3rver.pid}), directory ${s3rverDir}`);
    console.log(
      `${options.repeats} rounds of cp, then each server in turn (the order alternates):\n` +
        'Upload, PutObject, a GetObject of each of the two objects, and a PUT and GET with curl.\n' +
        'Tables show medians.',
    );

    const serverSampler = new MemorySampler(lyceum.pid);
    const rounds = [];
    try {
      for (let round = 0; round < options.repeats; round++) {
        if (round > 0 && budgetSpent(deadline, `${round} of ${options.repeats} rounds`)) break;
        const ordered = round % 2 === 0 ? sides : [...sides].reverse();
        rounds.push(await measureRound({ workspace, source, sourceSha256, options, ordered }));
      }
    } finally {
      serverSampler.stop();
    }
    const memory = {
      idleRssKib,
      sampledKib: serverSampler.maxRssKib,
      serverPeakKib: readProcStatusKib(lyceum.pid, 'VmHWM'),
      s3rverPeakKib: readProcStatusKib(s3rver.pid, 'VmHWM'),
      clientPeakKib: process.resourceUsage().maxRSS,
    };

    const results = summariseRounds(rounds, options.sizeBytes);
    printThroughput(results, options.sizeBytes);
    printComparison(results, options.sizeBytes);
    printServerCpu(results, options.sizeBytes);
    printClientCeiling(results, options.sizeBytes);
    printMemory(memory);
    console.log('');
    const targets = checkTargets(results, memory);
    printTargets(targets);
    return targets;
  },
);

/** Measures one cp and, for each server, the SDK's transfers and then curl's. */
async function measureRound({ workspace, source, sourceSha256, options, ordered }) {
  const copy = join(workspace.filesDir, 'copy.bin');
  const copyRun = await runTimed('sh', ['-c', 'cp "$1" "$2" && sync -f "$2"', 'sh', source, copy], {
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  await rm(copy);

  const round = { copyMs: copyRun.ms };
  for (const side of ordered) {
    round[side.name] = await measureSide({ side, workspace, source, sourceSha256, options });
  }
  return round;
}

/**
 * Writes the source through one server with the SDK twice (Upload and PutObject) and reads both
 * objects back into files, each followed by `sync -f` as cp is. Then curl does one PUT and one GET
 * with presigned URLs, which shows the server's speed without the SDK's. Every file read back must
 * have the source's SHA-256. Hashing and deleting are not timed.
 */
async function measureSide({ side, workspace, source, sourceSha256, options }) {
  const { target } = side;
  const timeoutMs = COMMAND_TIMEOUT_MS;
  const measured = { reads: [], readClientCpuMs: [] };

  const upload = await withProcessCpu(side.pid, () =>
    timeUpload(target, UPLOAD_KEY, source, timeoutMs).catch((error) =>
      rethrowWithContext(error, `${side.name}: Upload of ${options.sizeBytes} bytes`),
    ),
  );
  measured.uploadMs = upload.result;
  measured.uploadClientCpuMs = upload.ownMainThreadCpuMs;
  measured.uploadSyncedMs = measured.uploadMs + (await syncAfterWrite(side));

  const put = await withProcessCpu(side.pid, () =>
    timePutObject(target, PUT_KEY, source, options.sizeBytes, timeoutMs).catch((error) =>
      rethrowWithContext(error, `${side.name}: PutObject of ${options.sizeBytes} bytes`),
    ),
  );
  measured.putMs = put.result;
  measured.putCpuMs = put.cpuMs;
  measured.putClientCpuMs = put.ownMainThreadCpuMs;
  measured.putSyncedMs = measured.putMs + (await syncAfterWrite(side));

  const downloaded = join(workspace.filesDir, 'downloaded.bin');
  const expectSource = async (description) => {
    const actual = await sha256OfFile(downloaded);
    await rm(downloaded);
    if (actual !== sourceSha256) {
      throw new Error(
        `${side.name}: ${description} returned the wrong content: SHA-256 ${actual}, ` +
          `expected ${sourceSha256}.`,
      );
    }
  };
  for (const key of [UPLOAD_KEY, PUT_KEY]) {
    const get = await withProcessCpu(side.pid, () =>
      timeGetObjectToFile(target, key, downloaded, timeoutMs).catch((error) =>
        rethrowWithContext(error, `${side.name}: GetObject of ${key}`),
      ),
    );
    const getMs = get.result;
    measured.readCpuMs = get.cpuMs;
    measured.readClientCpuMs.push(get.ownMainThreadCpuMs);
    const sync = await runTimed('sync', ['-f', downloaded], { timeoutMs });
    measured.reads.push(getMs + sync.ms);
    await expectSource(`GetObject of ${key}`);
  }

  const curlPut = await withProcessCpu(side.pid, () =>
    timeCurlPut(side.presigner, CURL_KEY, source, timeoutMs),
  );
  measured.curlPutMs = curlPut.result;
  measured.curlPutCpuMs = curlPut.cpuMs;
  const curlRead = await withProcessCpu(side.pid, () =>
    timeCurlGetToSyncedFile(side.presigner, CURL_KEY, downloaded, timeoutMs),
  );
  measured.curlReadMs = curlRead.result;
  measured.curlReadCpuMs = curlRead.cpuMs;
  await expectSource(`curl GET of ${CURL_KEY}`);

  for (const key of [UPLOAD_KEY, PUT_KEY, CURL_KEY]) await deleteObject(target, key, timeoutMs);
  return measured;
}

/** Returns the time of a `sync -f` after a write to a server that does not fsync, or else 0. */
async function syncAfterWrite(side) {
  if (side.syncAfterWrite === undefined) return 0;
  const sync = await runTimed('sync', ['-f', side.syncAfterWrite], {
    timeoutMs: COMMAND_TIMEOUT_MS,
  });
  return sync.ms;
}

function rethrowWithContext(error, action) {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  throw new Error(`${action} failed: ${reason}`, { cause: error });
}

function summariseRounds(rounds, sizeBytes) {
  if (rounds.length === 0) throw new Error(`No round of ${sizeBytes} bytes finished.`);
  const sideSummary = (name) => ({
    upload: summarise(rounds.map((round) => round[name].uploadMs)),
    uploadSynced: summarise(rounds.map((round) => round[name].uploadSyncedMs)),
    put: summarise(rounds.map((round) => round[name].putMs)),
    putSynced: summarise(rounds.map((round) => round[name].putSyncedMs)),
    read: summarise(rounds.flatMap((round) => round[name].reads)),
    curlPut: summarise(rounds.map((round) => round[name].curlPutMs)),
    curlRead: summarise(rounds.map((round) => round[name].curlReadMs)),
    cpu: {
      put: summarise(rounds.map((round) => round[name].putCpuMs)),
      read: summarise(rounds.map((round) => round[name].readCpuMs)),
      curlPut: summarise(rounds.map((round) => round[name].curlPutCpuMs)),
      curlRead: summarise(rounds.map((round) => round[name].curlReadCpuMs)),
    },
    clientCpu: {
      upload: summarise(rounds.map((round) => round[name].uploadClientCpuMs)),
      put: summarise(rounds.map((round) => round[name].putClientCpuMs)),
      read: summarise(rounds.flatMap((round) => round[name].readClientCpuMs)),
    },
  });
  return {
    count: rounds.length,
    copy: summarise(rounds.map((round) => round.copyMs)),
    lyceum: sideSummary('lyceum'),
    s3rver: sideSummary('s3rver'),
  };
}

function printThroughput(results, sizeBytes) {
  const { copy, lyceum, s3rver } = results;
  console.log('');
  printTable(
    ['transfer', 'median ms', 'min ms', 'max ms', 'MB/s', 'vs cp'],
    [
      ['cp + sync -f (baseline)', copy],
      ['lyceum Upload (lib-storage defaults)', lyceum.upload],
      ['lyceum PutObject (file stream)', lyceum.put],
      ['lyceum GetObject to a file + sync -f', lyceum.read],
      ['lyceum PUT with curl (presigned URL)', lyceum.curlPut],
      ['lyceum GET with curl to a file + sync -f', lyceum.curlRead],
      ['s3rver Upload (lib-storage defaults)', s3rver.upload],
      ['s3rver Upload, then sync -f', s3rver.uploadSynced],
      ['s3rver PutObject (file stream)', s3rver.put],
      ['s3rver PutObject, then sync -f', s3rver.putSynced],
      ['s3rver GetObject to a file + sync -f', s3rver.read],
      ['s3rver PUT with curl (presigned URL)', s3rver.curlPut],
      ['s3rver GET with curl to a file + sync -f', s3rver.curlRead],
    ].map(([label, stats]) => [
      label,
      formatMs(stats.median),
      formatMs(stats.min),
      formatMs(stats.max),
      formatMbPerSecond(sizeBytes, stats.median),
      `${(copy.median / stats.median).toFixed(2)}x`,
    ]),
  );
  console.log(
    `${results.count} rounds, ${sizeBytes} bytes. Every object read back had the source's SHA-256.\n` +
      'Each GetObject row has 2 reads per round: the object stored by Upload and the one stored by PutObject.\n' +
      'lyceum fsyncs an object before it responds. s3rver does not, so its rows with sync -f add that step.\n' +
      'Reads come from the page cache on every side, because the source and objects were just written.',
  );
}

function printComparison(results, sizeBytes) {
  const { lyceum, s3rver } = results;
  console.log('');
  printTable(
    ['operation', 'lyceum MB/s', 's3rver MB/s', 'lyceum / s3rver'],
    [
      ['Upload (lib-storage defaults)', lyceum.upload, s3rver.upload],
      ['Upload vs s3rver Upload, then sync -f', lyceum.upload, s3rver.uploadSynced],
      ['PutObject (file stream)', lyceum.put, s3rver.put],
      ['PutObject vs s3rver PutObject, then sync -f', lyceum.put, s3rver.putSynced],
      ['GetObject to a file + sync -f', lyceum.read, s3rver.read],
      ['PUT with curl', lyceum.curlPut, s3rver.curlPut],
      ['GET with curl to a file + sync -f', lyceum.curlRead, s3rver.curlRead],
    ].map(([label, ours, theirs]) => [
      label,
      formatMbPerSecond(sizeBytes, ours.median),
      formatMbPerSecond(sizeBytes, theirs.median),
      `${(theirs.median / ours.median).toFixed(2)}x`,
    ]),
  );
}

/**
 * Prints the CPU time each server spent per GiB moved. When one client limits both servers to
 * the same speed, this shows what each server costs the machine.
 */
function printServerCpu(results, sizeBytes) {
  const { lyceum, s3rver } = results;
  const perGib = (stats) => ((stats.median / 1000) * 1024 ** 3) / sizeBytes;
  console.log('');
  printTable(
    ['server CPU seconds per GiB', 'lyceum', 's3rver', 's3rver / lyceum'],
    [
      ['PutObject (SDK)', lyceum.cpu.put, s3rver.cpu.put],
      ['GetObject (SDK)', lyceum.cpu.read, s3rver.cpu.read],
      ['PUT with curl', lyceum.cpu.curlPut, s3rver.cpu.curlPut],
      ['GET with curl', lyceum.cpu.curlRead, s3rver.cpu.curlRead],
    ].map(([label, ours, theirs]) => [
      label,
      perGib(ours).toFixed(2),
      perGib(theirs).toFixed(2),
      `${(theirs.median / ours.median).toFixed(2)}x`,
    ]),
  );
  console.log(
    'From /proc/PID/stat, user plus system time of all threads. lyceum also fsyncs every object.',
  );
}

/**
 * Prints the CPU time the SDK spent on the client's main thread, where all its JavaScript runs.
 * No transfer through this client can take less wall time than that, whatever the server does,
 * so dividing the baselines by it gives the highest ratio any server could reach with this client.
 */
function printClientCeiling(results, sizeBytes) {
  const { copy, lyceum, s3rver } = results;
  const perGib = (stats) => ((stats.median / 1000) * 1024 ** 3) / sizeBytes;
  console.log('');
  printTable(
    ['SDK client main thread', 'CPU s per GiB', 'highest vs cp', 'highest vs s3rver'],
    [
      ['Upload (lib-storage defaults)', lyceum.clientCpu.upload, s3rver.upload],
      ['PutObject (file stream)', lyceum.clientCpu.put, s3rver.put],
      ['GetObject to a file + sync -f', lyceum.clientCpu.read, s3rver.read],
    ].map(([label, clientCpu, theirs]) => [
      label,
      perGib(clientCpu).toFixed(2),
      `${(copy.median / clientCpu.median).toFixed(2)}x`,
      `${(theirs.median / clientCpu.median).toFixed(2)}x`,
    ]),
  );
  console.log(
    "Medians of the benchmark process's main thread CPU during lyceum's transfers, from\n" +
      '/proc/PID/task/PID/stat. A transfer cannot end sooner than its client main thread is done,\n' +
      'so the ratio columns are the most any server could reach against cp and against s3rver.',
  );
}

function printMemory(memory) {
  console.log('');
  printTable(
    ['memory', 'MiB'],
    [
      ['lyceum server VmRSS before the transfers', formatMib(memory.idleRssKib)],
      ['lyceum server VmRSS, max of 50 ms samples', formatMib(memory.sampledKib)],
      ['lyceum server VmHWM after the transfers', formatMib(memory.serverPeakKib)],
      ['s3rver VmHWM after the transfers', formatMib(memory.s3rverPeakKib)],
      ['benchmark process (the SDK client) peak RSS', formatMib(memory.clientPeakKib)],
    ],
  );
}

function checkTargets({ copy, lyceum, s3rver }, memory) {
  const ratio = (label, baseline, measured, limit) =>
    checkTarget({
      label,
      measured: baseline.median / measured.median,
      bound: 'at least',
      limit,
      unit: 'x',
    });
  return [
    ratio('lyceum Upload / cp throughput', copy, lyceum.upload, MIN_WRITE_RATIO),
    ratio('lyceum PutObject / cp throughput', copy, lyceum.put, MIN_WRITE_RATIO),
    ratio('lyceum GetObject + sync -f / cp throughput', copy, lyceum.read, MIN_READ_RATIO),
    checkTarget({
      label: 'lyceum server peak memory (VmHWM), MiB',
      measured: memory.serverPeakKib / 1024,
      bound: 'at most',
      limit: MAX_SERVER_PEAK_MIB,
      unit: '',
      digits: 1,
    }),
    ratio('lyceum / s3rver Upload throughput', s3rver.upload, lyceum.upload, MIN_S3RVER_RATIO),
    ratio('lyceum / s3rver PutObject throughput', s3rver.put, lyceum.put, MIN_S3RVER_RATIO),
    ratio('lyceum / s3rver GetObject throughput', s3rver.read, lyceum.read, MIN_S3RVER_RATIO),
  ];
}
