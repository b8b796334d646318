import { once } from 'node:events';
import { truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../docker/support/test-server.js';
import { issueCredentials, sdkClient } from './s3-test-support.js';

interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  method?: string;
  bucket?: string;
  key?: string;
  status?: number;
  code?: string;
}

async function logLines(log: () => Promise<string>): Promise<LogLine[]> {
  return (await log())
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

describe('the S3 request log', () => {
  it('logs a read cut off by a change', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const client = sdkClient(credentials);
    const bucket = credentials.bucket_name;
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'big.bin', Body: Buffer.alloc(32 << 20, 7) }),
    );

    const read = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'big.bin' }));
    const body = read.Body as Readable;
    await once(body, 'readable');
    await truncate(join(server.bucketDir, 'big.bin'), 1 << 20);
    const outcome = await new Promise<string>((resolve) => {
      body.on('error', () => resolve('error'));
      body.on('end', () => resolve('end'));
      body.resume();
    });
    client.destroy();

    expect(outcome).toBe('error');
    const lines = await logLines(server.log);
    expect(lines.find((line) => line.requestId === read.$metadata.requestId)).toMatchObject({
      level: 40,
      msg: 'S3 request failed',
      code: 'ServiceUnavailable',
      status: 503,
    });
  });

  it("logs each response's request id", async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const client = sdkClient(credentials);
    const bucket = credentials.bucket_name;

    const first = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'logs/a.txt', Body: 'a' }),
    );
    const second = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'logs/b.txt', Body: 'b' }),
    );
    const missing = await client
      .send(new GetObjectCommand({ Bucket: bucket, Key: 'logs/missing.txt' }))
      .catch((error: unknown) => error);
    client.destroy();

    expect(missing).toBeInstanceOf(S3ServiceException);
    const rejected = missing as S3ServiceException;
    expect(rejected.name).toBe('NoSuchKey');
    const ids = [
      first.$metadata.requestId,
      second.$metadata.requestId,
      rejected.$metadata.requestId,
    ];
    for (const id of ids) expect(id).toMatch(/^[0-9A-F]{16}$/);
    expect(new Set(ids).size).toBe(3);

    const lines = await logLines(server.log);
    const servedLine = lines.find((line) => line.requestId === ids[0]);
    expect(servedLine).toMatchObject({
      msg: 'S3 request',
      method: 'PUT',
      bucket,
      key: 'logs/a.txt',
      status: 200,
    });
    const rejectedLine = lines.find((line) => line.requestId === ids[2]);
    expect(rejectedLine).toMatchObject({
      msg: 'S3 request rejected',
      method: 'GET',
      key: 'logs/missing.txt',
      code: 'NoSuchKey',
      status: 404,
    });
  });
});
