/* global AbortSignal -- a Node.js global, which the ESLint config does not declare */
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { createReadStream, createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { runTimed } from './timed-command.mjs';

const PRESIGNED_URL_SECONDS = 3600;

/**
 * Uploads a file with lib-storage's Upload at its default settings (5 MiB parts, 4 in flight) and
 * returns the wall time in milliseconds. The upload is aborted after `timeoutMs`.
 */
export async function timeUpload({ client, bucket }, key, path, timeoutMs) {
  const start = performance.now();
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(path) },
  });
  const timer = setTimeout(() => void upload.abort(), timeoutMs);
  try {
    await upload.done();
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - start;
}

/** Sends one PutObject whose body streams the file, and returns the wall time in milliseconds. */
export async function timePutObject({ client, bucket }, key, path, sizeBytes, timeoutMs) {
  const start = performance.now();
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: createReadStream(path),
      ContentLength: sizeBytes,
    }),
    { abortSignal: AbortSignal.timeout(timeoutMs) },
  );
  return performance.now() - start;
}

/**
 * Sends GetObject and streams the body into a new file at `path`, and returns the wall time in
 * milliseconds until the last byte is written. The file is not fsynced.
 */
export async function timeGetObjectToFile({ client, bucket }, key, path, timeoutMs) {
  const start = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), {
    abortSignal: signal,
  });
  await pipeline(response.Body, createWriteStream(path, { flags: 'wx' }), { signal });
  return performance.now() - start;
}

export async function deleteObject({ client, bucket }, key, timeoutMs) {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), {
    abortSignal: AbortSignal.timeout(timeoutMs),
  });
}

/**
 * Calls `operation(index)` for every index below `count`, with at most `concurrency` calls in
 * flight, and returns the latency of each call in milliseconds, by index. The first failure is
 * rethrown, and no call starts after it.
 */
export async function runConcurrently(count, concurrency, operation) {
  const latencies = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      const start = performance.now();
      try {
        await operation(index);
      } catch (error) {
        next = count;
        throw error;
      }
      latencies[index] = performance.now() - start;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return latencies;
}

/**
 * Uploads a file with `curl --upload-file` to a presigned PutObject URL and returns the wall time
 * in milliseconds. The URL travels in the environment, so an error message does not show it.
 */
export async function timeCurlPut({ client, bucket }, key, path, timeoutMs) {
  const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn: PRESIGNED_URL_SECONDS,
  });
  // An empty Expect header stops curl from waiting for "100 Continue" before a large body.
  const script =
    'curl --silent --show-error --fail --header "Expect:" --upload-file "$1" "$S3_URL"';
  const run = await runTimed('sh', ['-c', script, 'sh', path], {
    timeoutMs,
    env: { ...process.env, S3_URL: url },
  });
  return run.ms;
}

/**
 * Downloads an object with `curl --output` from a presigned GetObject URL into a new file, runs
 * `sync -f` on it, and returns the wall time of both in milliseconds.
 */
export async function timeCurlGetToSyncedFile({ client, bucket }, key, path, timeoutMs) {
  const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn: PRESIGNED_URL_SECONDS,
  });
  const script = 'curl --silent --show-error --fail --output "$1" "$S3_URL" && sync -f "$1"';
  const run = await runTimed('sh', ['-c', script, 'sh', path], {
    timeoutMs,
    env: { ...process.env, S3_URL: url },
  });
  return run.ms;
}
