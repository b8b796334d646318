#!/usr/bin/env node
// Measures listing many keys under one prefix with ListObjectsV2, cold and warm, against a walk.
/* global AbortSignal -- a Node.js global, which the ESLint config does not declare */
import console from 'node:console';
import process from 'node:process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readProcStatusKib } from './support/memory-sampler.mjs';
import { formatMib, formatMs, printTable } from './support/report.mjs';
import { runBenchmark } from './support/run-benchmark.mjs';
import { runConcurrently } from './support/s3-operations.mjs';
import { LyceumS3Server } from './support/s3-servers.mjs';
import { TempWorkspace } from './support/temp-workspace.mjs';

const FOLDER = 'listing';
const PREFIX = `${FOLDER}/`;
const FILE_COUNT = 100_000;
const QUICK_FILE_COUNT = 10_000;
const API_OBJECT_COUNT = 100;
const PAGE_SIZE = 1000;
const FILE_WRITE_CONCURRENCY = 32;
const HEAD_CHECK_COUNT = 20;
const PROGRESS_PAGES = 10;
const REQUEST_TIMEOUT_MS = 300_000;
// Time per page counts as growing when the last tenth of the pages is this much slower than the
// first tenth.
const GROWTH_FLAG_RATIO = 1.5;

await runBenchmark(
  {
    name: 's3-listing',
    description: `ListObjectsV2, ${PAGE_SIZE} keys per page, of files written into the bucket folder plus ${API_OBJECT_COUNT} PutObject keys`,
    defaults: { maxMinutes: 30 },
  },
  async ({ options, deadline, defer }) => {
    // --quick has no size or count of its own for this benchmark, so it is read here.
    const fileCount = process.argv.includes('--quick') ? QUICK_FILE_COUNT : FILE_COUNT;
    const workspace = await TempWorkspace.create('s3-listing');
    defer(() => workspace.remove());
    const server = LyceumS3Server.spawn(workspace);
    defer(() => server.stop());
    await server.waitUntilListening();
    const target = await server.createClient(options.maxMinutes * 60 + 600);
    const folder = join(workspace.dataDir, 'buckets', target.bucket, FOLDER);
    console.log(
      `lyceum ${target.endpoint} (pid ${server.pid}), data directory ${workspace.dataDir}`,
    );

    const expected = new Map();
    const writeMs = await writeFiles(folder, fileCount, expected);
    console.log(
      `Wrote ${fileCount} files of a few bytes each into ${folder} in ${formatMs(writeMs)} ms.`,
    );
    await putObjects(target, expected);
    const expectedKeys = [...expected.keys()].sort(compareAscii);
    console.log(
      `Stored ${API_OBJECT_COUNT} more keys under ${PREFIX} with PutObject: ${expectedKeys.length} keys in all.`,
    );

    const walks = await walkFolder(folder, expected);
    const cold = await listAll(target, 'cold', deadline);
    checkListing(cold, expected, expectedKeys, 'cold pass');
    await checkHeadObjects(target, expected, expectedKeys);
    const warm = await listAll(target, 'warm', deadline);
    checkListing(warm, expected, expectedKeys, 'warm pass');
    const serverPeakKib = readProcStatusKib(server.pid, 'VmHWM');

    printPasses({ walks, cold, warm, keyCount: expectedKeys.length });
    printPageGrowth({ cold, warm });
    console.log('');
    console.log(`lyceum server VmHWM after both passes: ${formatMib(serverPeakKib)} MiB`);
    reportGrowth({ cold, warm });
    return [];
  },
);

/**
 * Writes `count` tiny files straight into the bucket folder, as a run's mount would, records
 * each key's size and MD5 in `expected`, and returns the wall time in milliseconds.
 */
async function writeFiles(folder, count, expected) {
  await mkdir(folder, { recursive: true });
  const start = performance.now();
  await runConcurrently(count, FILE_WRITE_CONCURRENCY, async (index) => {
    const name = `file-${String(index).padStart(6, '0')}.txt`;
    const content = `file ${index}\n`;
    await writeFile(join(folder, name), content, { flag: 'wx' });
    expected.set(`${PREFIX}${name}`, { size: content.length, etag: md5Hex(content) });
  });
  return performance.now() - start;
}

/** Stores the API's keys with PutObject and records the ETag each response returned. */
async function putObjects({ client, bucket }, expected) {
  for (let index = 0; index < API_OBJECT_COUNT; index++) {
    const key = `${PREFIX}api-${String(index).padStart(6, '0')}.txt`;
    const content = `api ${index}\n`;
    const response = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: content }),
      { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    );
    const etag = response.ETag?.replaceAll('"', '');
    if (etag !== md5Hex(content)) {
      throw new Error(
        `PutObject of ${key} returned ETag ${response.ETag}, expected the MD5 ${md5Hex(content)}.`,
      );
    }
    expected.set(key, { size: content.length, etag });
  }
}

/**
 * Times two walks of the folder in this process, as a floor for a listing: `readdir` and `lstat`
 * of every entry, and the same walk reading every file and hashing it with MD5. Checks that the
 * walk finds every key.
 */
async function walkFolder(folder, expected) {
  let start = performance.now();
  const names = (await readdir(folder)).sort(compareAscii);
  for (const name of names) await lstat(join(folder, name));
  const statMs = performance.now() - start;

  start = performance.now();
  const sorted = (await readdir(folder)).sort(compareAscii);
  for (const name of sorted) {
    await lstat(join(folder, name));
    md5Hex(await readFile(join(folder, name)));
  }
  const hashMs = performance.now() - start;
  if (names.length !== expected.size) {
    throw new Error(`The folder contains ${names.length} entries, expected ${expected.size}.`);
  }
  return { statMs, hashMs };
}

/**
 * Lists every key under the prefix with ListObjectsV2, one page of PAGE_SIZE after another, and
 * returns the keys in listed order and the wall time of each page. Stops early once the time
 * budget is spent.
 */
async function listAll({ client, bucket }, name, deadline) {
  const contents = [];
  const pageMs = [];
  let token;
  const start = performance.now();
  do {
    if (Date.now() > deadline) {
      console.log(
        `The time budget (--max-minutes) is spent, so this pass stops after ${pageMs.length} pages.`,
      );
      return { contents, pageMs, totalMs: performance.now() - start, complete: false };
    }
    const pageStart = performance.now();
    const page = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: PREFIX,
        MaxKeys: PAGE_SIZE,
        ContinuationToken: token,
      }),
      { abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) },
    );
    pageMs.push(performance.now() - pageStart);
    const listed = page.Contents ?? [];
    if (listed.length > PAGE_SIZE) {
      throw new Error(
        `Page ${pageMs.length} has ${listed.length} keys, more than MaxKeys ${PAGE_SIZE}.`,
      );
    }
    contents.push(...listed);
    if (pageMs.length % PROGRESS_PAGES === 0) {
      const seconds = ((performance.now() - start) / 1000).toFixed(1);
      console.log(`${name} pass: ${pageMs.length} pages, ${contents.length} keys, ${seconds} s`);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (page.IsTruncated && token === undefined) {
      throw new Error(`Page ${pageMs.length} is truncated but has no NextContinuationToken.`);
    }
  } while (token !== undefined);
  return { contents, pageMs, totalMs: performance.now() - start, complete: true };
}

/**
 * Checks that a complete pass listed every expected key once, in S3 key order, with its size and
 * the MD5 of its content as ETag. A pass cut short by the time budget is checked up to where it
 * stopped.
 */
function checkListing(pass, expected, expectedKeys, name) {
  const listedKeys = pass.contents.map((object) => object.Key);
  const length = pass.complete ? expectedKeys.length : listedKeys.length;
  if (listedKeys.length !== length) {
    throw new Error(`The ${name} listed ${listedKeys.length} keys, expected ${length}.`);
  }
  for (let index = 0; index < length; index++) {
    const object = pass.contents[index];
    if (object.Key !== expectedKeys[index]) {
      throw new Error(
        `The ${name} listed ${JSON.stringify(object.Key)} at position ${index}, expected ${JSON.stringify(expectedKeys[index])}.`,
      );
    }
    const { size, etag } = expected.get(object.Key);
    if (object.Size !== size || object.ETag?.replaceAll('"', '') !== etag) {
      throw new Error(
        `The ${name} listed ${object.Key} with size ${object.Size} and ETag ${object.ETag}, ` +
          `expected size ${size} and ETag "${etag}".`,
      );
    }
  }
}

/** Checks with HeadObject that a sample of keys has the ETag and size the listing showed. */
async function checkHeadObjects({ client, bucket }, expected, expectedKeys) {
  const step = Math.max(1, Math.floor(expectedKeys.length / HEAD_CHECK_COUNT));
  for (let index = 0; index < expectedKeys.length; index += step) {
    const key = expectedKeys[index];
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const { size, etag } = expected.get(key);
    if (head.ContentLength !== size || head.ETag?.replaceAll('"', '') !== etag) {
      throw new Error(
        `HeadObject of ${key} returned size ${head.ContentLength} and ETag ${head.ETag}, ` +
          `expected size ${size} and ETag "${etag}".`,
      );
    }
  }
}

function printPasses({ walks, cold, warm, keyCount }) {
  const row = (label, ms, keys, pages) => [
    label,
    pages,
    keys,
    formatMs(ms),
    (keys / (ms / 1000)).toFixed(0),
    `${(ms / walks.statMs).toFixed(1)}x`,
  ];
  console.log('');
  printTable(
    ['pass', 'pages', 'keys', 'total ms', 'keys/s', 'time vs readdir + lstat'],
    [
      row('readdir + lstat in this process (floor)', walks.statMs, keyCount, '-'),
      row('readdir + lstat + read + MD5 of each file', walks.hashMs, keyCount, '-'),
      row(
        passLabel('ListObjectsV2, cold (ETags derived)', cold),
        cold.totalMs,
        cold.contents.length,
        cold.pageMs.length,
      ),
      row(
        passLabel('ListObjectsV2, warm (ETags cached)', warm),
        warm.totalMs,
        warm.contents.length,
        warm.pageMs.length,
      ),
    ],
  );
  console.log(
    `Every page held at most ${PAGE_SIZE} keys, and each complete pass listed all ${keyCount} keys once,\n` +
      'in order, with their sizes and MD5 ETags. HeadObject returned the same ETag for a sample of keys.',
  );
}

function passLabel(label, pass) {
  return pass.complete ? label : `${label}, cut short`;
}

/** Prints the mean time per page for each tenth of the pages, so growth with the page number shows. */
function printPageGrowth({ cold, warm }) {
  const tenths = (pageMs) => {
    const size = Math.max(1, Math.ceil(pageMs.length / 10));
    const groups = [];
    for (let first = 0; first < pageMs.length; first += size) {
      const group = pageMs.slice(first, first + size);
      const last = first + group.length;
      groups.push({
        pages: last === first + 1 ? `${last}` : `${first + 1}-${last}`,
        meanMs: mean(group),
      });
    }
    return groups;
  };
  const coldGroups = tenths(cold.pageMs);
  const warmGroups = tenths(warm.pageMs);
  console.log('');
  printTable(
    ['pages', 'cold ms per page', 'warm ms per page'],
    Array.from({ length: Math.max(coldGroups.length, warmGroups.length) }, (_, index) => {
      const group = coldGroups[index] ?? warmGroups[index];
      return [
        group.pages,
        coldGroups[index] === undefined ? '-' : formatMs(coldGroups[index].meanMs),
        warmGroups[index] === undefined ? '-' : formatMs(warmGroups[index].meanMs),
      ];
    }),
  );
  console.log(
    `Growth per page (least-squares slope): cold ${slope(cold.pageMs).toFixed(2)} ms, ` +
      `warm ${slope(warm.pageMs).toFixed(2)} ms.`,
  );
}

/** Prints whether time per page grows with the page number, which makes a full listing quadratic. */
function reportGrowth({ cold, warm }) {
  for (const [name, pass] of [
    ['cold', cold],
    ['warm', warm],
  ]) {
    if (pass.pageMs.length < 2) {
      console.log(`${name} pass: fewer than 2 pages, so no growth can be measured.`);
      continue;
    }
    const tenth = Math.max(1, Math.floor(pass.pageMs.length / 10));
    const growth = mean(pass.pageMs.slice(-tenth)) / mean(pass.pageMs.slice(0, tenth));
    const verdict =
      growth >= GROWTH_FLAG_RATIO
        ? 'GROWS: listing all keys takes time quadratic in the number of keys'
        : 'no growth flagged';
    console.log(
      `${name} pass: the last tenth of the pages took ${growth.toFixed(2)}x the time of the first tenth, ${verdict}.`,
    );
  }
}

function mean(values) {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Returns the least-squares slope of values against their 1-based position. */
function slope(values) {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n + 1) / 2;
  const meanY = mean(values);
  let covariance = 0;
  let variance = 0;
  values.forEach((y, index) => {
    covariance += (index + 1 - meanX) * (y - meanY);
    variance += (index + 1 - meanX) ** 2;
  });
  return covariance / variance;
}

function md5Hex(content) {
  return createHash('md5').update(content).digest('hex');
}

/** Orders ASCII keys by byte value, as S3 orders keys. */
function compareAscii(left, right) {
  if (left < right) return -1;
  return left > right ? 1 : 0;
}
