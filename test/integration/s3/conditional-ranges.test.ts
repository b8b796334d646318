import { request as httpRequest } from 'node:http';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../docker/support/test-server.js';
import { issueCredentials, sdkClient, sdkClientEditing } from './s3-test-support.js';

describe('S3 conditional ranges', () => {
  it('ignores a range with a stale If-Range', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const Bucket = credentials.bucket_name;
    const put = await sdkClient(credentials).send(
      new PutObjectCommand({ Bucket, Key: 'digits', Body: '0123456789' }),
    );
    const head = await sdkClient(credentials).send(
      new HeadObjectCommand({ Bucket, Key: 'digits' }),
    );
    const lastModified = head.LastModified!.toUTCString();
    const ranged = (ifRange: string) =>
      sdkClientEditing(credentials, (request) => {
        request.headers['if-range'] = ifRange;
      }).send(new GetObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=3-6' }));

    const partial = await ranged(put.ETag!);
    expect(partial.$metadata.httpStatusCode).toBe(206);
    expect(await partial.Body!.transformToString()).toBe('3456');
    // A date is too coarse to tell versions apart, so it never keeps the range.
    const stale = ['"0000"', `W/${put.ETag!}`, lastModified, '2015-01-01T00:00:00Z'];
    for (const other of stale) {
      const whole = await ranged(other);
      expect(whole.$metadata.httpStatusCode).toBe(200);
      expect(whole.ContentRange).toBeUndefined();
      expect(await whole.Body!.transformToString()).toBe('0123456789');
    }
  });

  it('checks preconditions before the range', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const Bucket = credentials.bucket_name;
    const put = await sdkClient(credentials).send(
      new PutObjectCommand({ Bucket, Key: 'digits', Body: '0123456789' }),
    );
    const pastTheEnd = { Bucket, Key: 'digits', Range: 'bytes=100-' };

    await expect(
      sdkClient(credentials).send(new GetObjectCommand({ ...pastTheEnd, IfMatch: '"0000"' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await expect(
      sdkClient(credentials).send(new GetObjectCommand({ ...pastTheEnd, IfNoneMatch: put.ETag })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
    await expect(
      sdkClient(credentials).send(new GetObjectCommand({ ...pastTheEnd, IfMatch: put.ETag })),
    ).rejects.toMatchObject({ name: 'InvalidRange' });
  });

  it('keeps the connection after a bodyless error', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const endpoint = new URL(credentials.endpoint);
    const connection = await new Promise<string | undefined>((resolve, reject) => {
      const outgoing = httpRequest(
        { host: endpoint.hostname, port: endpoint.port, method: 'HEAD', path: '/missing/key' },
        (response) => {
          response.resume();
          resolve(response.headers.connection);
        },
      );
      outgoing.on('error', reject);
      outgoing.end();
    });
    expect(connection).toBe('keep-alive');
  });
});
