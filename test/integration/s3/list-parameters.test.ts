import {
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../docker/support/test-server.js';
import { issueCredentials, sdkClient, sdkClientEditing } from './s3-test-support.js';

describe('S3 list parameters', () => {
  it('rejects non-integer page parameters', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const Bucket = credentials.bucket_name;
    const { UploadId } = await sdkClient(credentials).send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'parts.bin' }),
    );
    const cases = [
      [{ 'max-keys': '' }, new ListObjectsV2Command({ Bucket })],
      [{ 'max-keys': '1e3' }, new ListObjectsV2Command({ Bucket })],
      [{ 'max-uploads': 'abc' }, new ListMultipartUploadsCommand({ Bucket })],
      [{ 'max-parts': '-1' }, new ListPartsCommand({ Bucket, Key: 'parts.bin', UploadId })],
      [{ 'part-number-marker': 'x' }, new ListPartsCommand({ Bucket, Key: 'parts.bin', UploadId })],
    ] as const;

    for (const [query, command] of cases) {
      const [name, value] = Object.entries(query)[0]!;
      const editing = sdkClientEditing(credentials, (request) => {
        Object.assign(request.query, query);
      });
      const error = await editing
        // The cast only satisfies the type of send; each command goes out as it is.
        .send(command as ListObjectsV2Command)
        .catch((caught: unknown) => caught);
      expect(error, `${name}=${value}`).toMatchObject({
        name: 'InvalidArgument',
        $metadata: { httpStatusCode: 400 },
      });
      expect((error as Error).message).toContain(name);
    }
  });

  it('pages through parts by max-parts', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const Key = 'parts.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    for (const PartNumber of [1, 2, 3]) {
      await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body: 'part' }));
    }

    const none = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId, MaxParts: 0 }));
    expect(none.Parts ?? []).toEqual([]);
    const first = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId, MaxParts: 2 }));
    expect(first.Parts?.map((part) => part.PartNumber)).toEqual([1, 2]);
    expect(first.IsTruncated).toBe(true);
    const rest = await s3.send(
      new ListPartsCommand({
        Bucket,
        Key,
        UploadId,
        MaxParts: 2,
        PartNumberMarker: first.NextPartNumberMarker,
      }),
    );
    expect(rest.Parts?.map((part) => part.PartNumber)).toEqual([3]);
    expect(rest.IsTruncated).toBe(false);
  });
});
