#!/usr/bin/env node
// Measures upload and download through the REST API against a local `cp`, and the server's memory.
import console from 'node:console';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchServer } from './support/bench-server.mjs';
import { MemorySampler, readProcStatusKib } from './support/memory-sampler.mjs';
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
import { median } from './support/statistics.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';
import { runTimed } from './support/timed-command.mjs';

const KEY = 'big.bin';
const CURL_KEY = 'big-curl.bin';
const COMMAND_TIMEOUT_MS = 600_000;
const MIN_UPLOAD_RATIO = 0.5;
const MIN_DOWNLOAD_RATIO = 0.7;
const MAX_SERVER_PEAK_MIB = 200;

await runBenchmark(
  {
    name: 'transfer-throughput',
    description: 'lyceum storage load and download vs cp of one file of random bytes',
    defaults: { sizeBytes: 1024 ** 3, repeats: 3, maxMinutes: 30 },
  },
  async ({ options, deadline, defer }) => {
    const workspace = await TempWorkspace.create('transfer');
    defer(() => workspace.remove());
    const source = join(workspace.filesDir, 'source.bin');
    console.log(`Writing ${options.sizeBytes} random bytes to ${source} ...`);
    const sourceSha256 = await writeRandomFile(source, options.sizeBytes);

    const server = BenchServer.spawn(workspace);
    defer(() => server.stop());
    await server.waitUntilListening();
    const idleRssKib = readProcStatusKib(server.pid, 'VmRSS');
    console.log(`Server ${server.url} (pid ${server.pid}), data directory ${workspace.dataDir}`);
    console.log(`${options.repeats} rounds of cp, upload and download. Tables show medians.`);

    const serverSampler = new MemorySampler(server.pid);
    const rounds = [];
    try {
      for (let round = 0; round < options.repeats; round++) {
        if (round > 0 && budgetSpent(deadline, `${round} of ${options.repeats} rounds`)) break;
        rounds.push(await measureRound({ server, workspace, source, sourceSha256 }));
      }
    } finally {
      serverSampler.stop();
    }
    const serverPeakKib = readProcStatusKib(server.pid, 'VmHWM');

    const result = summariseRounds(rounds, options.sizeBytes);
    printThroughput(result, options.sizeBytes);
    printMemory({ idleRssKib, sampledKib: serverSampler.maxRssKib, serverPeakKib, rounds });
    console.log('');
    const targets = [
      checkTarget({
        label: 'upload / cp throughput',
        measured: result.copyMs / result.uploadMs,
        bound: 'at least',
        limit: MIN_UPLOAD_RATIO,
        unit: 'x',
      }),
      checkTarget({
        label: 'download + fsync / cp throughput',
        measured: result.copyMs / result.downloadSyncedMs,
        bound: 'at least',
        limit: MIN_DOWNLOAD_RATIO,
        unit: 'x',
      }),
      checkTarget({
        label: 'server peak memory (VmHWM), MiB',
        measured: serverPeakKib / 1024,
        bound: 'at most',
        limit: MAX_SERVER_PEAK_MIB,
        unit: '',
        digits: 1,
      }),
    ];
    printTargets(targets);
    return targets;
  },
);

/**
 * One cp, one upload and one download, each checked: the stored object and the downloaded file
 * must have the source's SHA-256. Hashing happens outside the timed parts.
 */
async function measureRound({ server, workspace, source, sourceSha256 }) {
  const copy = join(workspace.filesDir, 'copy.bin');
  const downloaded = join(workspace.filesDir, 'downloaded.bin');
  const timeoutMs = COMMAND_TIMEOUT_MS;

  const copyRun = await runTimed('sh', ['-c', 'cp "$1" "$2" && sync -f "$2"', 'sh', source, copy], {
    timeoutMs,
  });
  await rm(copy);

  const upload = await timedCli(server, ['storage', 'load', source, '--key', KEY], timeoutMs);
  await expectSha256(join(server.bucketDir, KEY), sourceSha256, 'The stored object');

  const download = await timedCli(
    server,
    ['storage', 'download', KEY, '-o', downloaded],
    timeoutMs,
  );
  const downloadSync = await runTimed('sync', ['-f', downloaded], { timeoutMs });
  await expectSha256(downloaded, sourceSha256, 'The downloaded file');
  await rm(downloaded);

  // The same transfers with curl, a client written in C, show what the server allows.
  const api = `${server.url}/api/v2/external`;
  const auth = `authorization: Bearer ${server.apiKey}`;
  const curlUpload = await runTimed(
    'curl',
    [
      '-sSf',
      '-o',
      '/dev/null',
      '-H',
      auth,
      '-F',
      `file=@${source}`,
      `${api}/storage/upload?key=${CURL_KEY}`,
    ],
    { timeoutMs },
  );
  await expectSha256(join(server.bucketDir, CURL_KEY), sourceSha256, 'The object stored by curl');
  const curlDownload = await runTimed(
    'sh',
    [
      '-c',
      'curl -sSf -H "$1" -o "$2" "$3" && sync -f "$2"',
      'sh',
      auth,
      downloaded,
      `${api}/storage/download/${KEY}`,
    ],
    { timeoutMs },
  );
  await expectSha256(downloaded, sourceSha256, 'The file downloaded by curl');
  await rm(downloaded);

  return {
    curlUploadMs: curlUpload.ms,
    curlDownloadSyncedMs: curlDownload.ms,
    copyMs: copyRun.ms,
    uploadMs: upload.ms,
    downloadMs: download.ms,
    downloadSyncedMs: download.ms + downloadSync.ms,
    uploadCliPeakKib: upload.cliPeakKib,
    downloadCliPeakKib: download.cliPeakKib,
  };
}

/** Runs a CLI command and samples the CLI process's memory while it runs. */
async function timedCli(server, args, timeoutMs) {
  let sampler;
  const run = await server.cli(args, {
    timeoutMs,
    onSpawn: (pid) => {
      sampler = new MemorySampler(pid);
      return () => sampler.stop();
    },
  });
  return { ...run, cliPeakKib: sampler.maxRssKib };
}

async function expectSha256(path, expected, description) {
  const actual = await sha256OfFile(path);
  if (actual !== expected) {
    throw new Error(
      `${description} (${path}) has the wrong content: SHA-256 ${actual}, expected ${expected}.`,
    );
  }
}

function summariseRounds(rounds, sizeBytes) {
  if (rounds.length === 0) throw new Error(`No round of ${sizeBytes} bytes finished.`);
  const medianOf = (field) => median(rounds.map((round) => round[field]));
  return {
    count: rounds.length,
    copyMs: medianOf('copyMs'),
    uploadMs: medianOf('uploadMs'),
    downloadMs: medianOf('downloadMs'),
    downloadSyncedMs: medianOf('downloadSyncedMs'),
    curlUploadMs: medianOf('curlUploadMs'),
    curlDownloadSyncedMs: medianOf('curlDownloadSyncedMs'),
  };
}

function printThroughput(result, sizeBytes) {
  console.log('');
  printTable(
    ['transfer', 'median ms', 'MB/s', 'vs cp'],
    [
      ['cp + sync -f (baseline)', result.copyMs],
      ['lyceum storage load (server fsyncs)', result.uploadMs],
      ['lyceum storage download + sync -f', result.downloadSyncedMs],
      ['lyceum storage download alone', result.downloadMs],
      ['curl -F upload to the same server', result.curlUploadMs],
      ['curl download + sync -f', result.curlDownloadSyncedMs],
    ].map(([label, ms]) => [
      label,
      formatMs(ms),
      formatMbPerSecond(sizeBytes, ms),
      `${(result.copyMs / ms).toFixed(2)}x`,
    ]),
  );
  console.log(
    `${result.count} rounds. The SHA-256 of every stored object and downloaded file matched the source.\n` +
      'Reads come from the page cache on every side, because the source was just written. Writes end on disk.\n' +
      'The CLI starts a datasync every 64 MiB of a download but does not wait for the disk at the end,\n' +
      'so the download target adds one sync -f, as cp does.',
  );
}

function printMemory({ idleRssKib, sampledKib, serverPeakKib, rounds }) {
  const maxOf = (field) => Math.max(...rounds.map((round) => round[field]));
  console.log('');
  printTable(
    ['memory', 'MiB'],
    [
      ['server VmRSS before the transfers', formatMib(idleRssKib)],
      ['server VmRSS, max of 50 ms samples', formatMib(sampledKib)],
      ['server VmHWM after the transfers', formatMib(serverPeakKib)],
      ['CLI VmRSS during upload, max of 50 ms samples', formatMib(maxOf('uploadCliPeakKib'))],
      ['CLI VmRSS during download, max of 50 ms samples', formatMib(maxOf('downloadCliPeakKib'))],
    ],
  );
}
