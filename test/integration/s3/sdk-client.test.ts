import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  PutBucketVersioningCommand,
  GetObjectAttributesCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  DeleteObjectTaggingCommand,
  UploadPartCopyCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../docker/support/test-server.js';
import { issueCredentials, sdkClient } from './s3-test-support.js';

function md5(data: Buffer | string): string {
  return createHash('md5').update(data).digest('hex');
}

describe('S3 endpoint with the AWS SDK for JavaScript', () => {
  it('puts, gets, heads and deletes objects', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;

    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'sdk/hello.txt',
        Body: 'hello',
        ContentType: 'text/x-greeting',
        Metadata: { owner: 'alice' },
      }),
    );
    expect(put.ETag).toBe(`"${md5('hello')}"`);

    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'sdk/hello.txt' }));
    expect(await got.Body!.transformToString()).toBe('hello');
    expect(got.ContentType).toBe('text/x-greeting');
    expect(got.Metadata).toEqual({ owner: 'alice' });

    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'sdk/hello.txt' }));
    expect(head.ContentLength).toBe(5);

    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'sdk/hello.txt' }));
    await expect(
      s3.send(new HeadObjectCommand({ Bucket, Key: 'sdk/hello.txt' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await expect(
      s3.send(new GetObjectCommand({ Bucket, Key: 'sdk/hello.txt' })),
    ).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
  });

  it('serves ranges and conditional requests', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'digits', Body: '0123456789' }));

    const range = await s3.send(
      new GetObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=3-6' }),
    );
    expect(await range.Body!.transformToString()).toBe('3456');
    expect(range.ContentRange).toBe('bytes 3-6/10');
    await expect(
      s3.send(new GetObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=50-60' })),
    ).rejects.toMatchObject({ name: 'InvalidRange' });
    await expect(
      s3.send(new GetObjectCommand({ Bucket, Key: 'digits', IfMatch: '"nope"' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
    await expect(
      s3.send(
        new GetObjectCommand({ Bucket, Key: 'digits', IfNoneMatch: `"${md5('0123456789')}"` }),
      ),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 304 } });
  });

  it('returns stored checksums on request', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const sha256 = createHash('sha256').update('checked').digest('base64');

    const put = await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'sum.txt',
        Body: 'checked',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    expect(put.ChecksumSHA256).toBe(sha256);
    const head = await s3.send(
      new HeadObjectCommand({ Bucket, Key: 'sum.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumSHA256).toBe(sha256);
    expect(head.ChecksumType).toBe('FULL_OBJECT');
    const get = await s3.send(
      new GetObjectCommand({ Bucket, Key: 'sum.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(get.ChecksumSHA256).toBe(sha256);
    expect(await get.Body!.transformToString()).toBe('checked');

    const plain = await s3.send(new HeadObjectCommand({ Bucket, Key: 'sum.txt' }));
    expect(plain.ChecksumSHA256).toBeUndefined();
    const ranged = await s3.send(
      new GetObjectCommand({ Bucket, Key: 'sum.txt', Range: 'bytes=0-2', ChecksumMode: 'ENABLED' }),
    );
    expect(ranged.ChecksumSHA256).toBeUndefined();
    expect(await ranged.Body!.transformToString()).toBe('che');
  });

  it('drops checksums of a file a run rewrote', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'sum.txt', Body: 'before', ChecksumAlgorithm: 'SHA256' }),
    );

    await writeFile(join(server.bucketDir, 'sum.txt'), 'after, longer');
    const head = await s3.send(
      new HeadObjectCommand({ Bucket, Key: 'sum.txt', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumSHA256).toBeUndefined();
    const get = await s3.send(new GetObjectCommand({ Bucket, Key: 'sum.txt' }));
    expect(await get.Body!.transformToString()).toBe('after, longer');
  });

  it('honours conditional PutObject', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;

    const first = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'lock.txt', Body: 'first', IfNoneMatch: '*' }),
    );
    const again = s3.send(
      new PutObjectCommand({ Bucket, Key: 'lock.txt', Body: 'second', IfNoneMatch: '*' }),
    );
    await expect(again).rejects.toMatchObject({ name: 'PreconditionFailed' });
    const stale = s3.send(
      new PutObjectCommand({ Bucket, Key: 'lock.txt', Body: 'third', IfMatch: '"0000"' }),
    );
    await expect(stale).rejects.toMatchObject({ name: 'PreconditionFailed' });
    const get = await s3.send(new GetObjectCommand({ Bucket, Key: 'lock.txt' }));
    expect(await get.Body!.transformToString()).toBe('first');

    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'lock.txt', Body: 'fourth', IfMatch: first.ETag }),
    );
    const updated = await s3.send(new GetObjectCommand({ Bucket, Key: 'lock.txt' }));
    expect(await updated.Body!.transformToString()).toBe('fourth');
    const missing = s3.send(
      new PutObjectCommand({ Bucket, Key: 'none.txt', Body: 'x', IfMatch: first.ETag }),
    );
    await expect(missing).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('honours conditional CopyObject', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'source.txt', Body: 'source' }));
    const target = await s3.send(new PutObjectCommand({ Bucket, Key: 'target.txt', Body: 'kept' }));
    const copy = (conditions: { IfNoneMatch?: string; IfMatch?: string }) =>
      s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: 'target.txt',
          CopySource: `${Bucket}/source.txt`,
          ...conditions,
        }),
      );

    await expect(copy({ IfNoneMatch: '*' })).rejects.toMatchObject({ name: 'PreconditionFailed' });
    await expect(copy({ IfMatch: '"0000"' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    const unchanged = await s3.send(new GetObjectCommand({ Bucket, Key: 'target.txt' }));
    expect(await unchanged.Body!.transformToString()).toBe('kept');

    await copy({ IfMatch: target.ETag! });
    const copied = await s3.send(new GetObjectCommand({ Bucket, Key: 'target.txt' }));
    expect(await copied.Body!.transformToString()).toBe('source');
  });

  it('honours conditional CompleteMultipartUpload', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const existing = await s3.send(new PutObjectCommand({ Bucket, Key: 'model.bin', Body: 'old' }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'model.bin' }),
    );
    const part = await s3.send(
      new UploadPartCommand({ Bucket, Key: 'model.bin', UploadId, PartNumber: 1, Body: 'new' }),
    );
    const complete = (conditions: { IfNoneMatch?: string; IfMatch?: string }) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'model.bin',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag! }] },
          ...conditions,
        }),
      );

    await expect(complete({ IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    await expect(complete({ IfMatch: '"0000"' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
    });
    const unchanged = await s3.send(new GetObjectCommand({ Bucket, Key: 'model.bin' }));
    expect(await unchanged.Body!.transformToString()).toBe('old');

    // A failed condition leaves the upload, so it can be completed once the condition holds.
    await complete({ IfMatch: existing.ETag! });
    const replaced = await s3.send(new GetObjectCommand({ Bucket, Key: 'model.bin' }));
    expect(await replaced.Body!.transformToString()).toBe('new');
  });

  it('rejects encryption it would not carry out', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;

    const customerKey = s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'secret.txt',
        Body: 'plain',
        SSECustomerAlgorithm: 'AES256',
        SSECustomerKey: 'k'.repeat(32),
      }),
    );
    await expect(customerKey).rejects.toMatchObject({ name: 'NotImplemented' });
    const kms = s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'secret.txt',
        Body: 'plain',
        ServerSideEncryption: 'aws:kms',
      }),
    );
    await expect(kms).rejects.toMatchObject({ name: 'NotImplemented' });
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'sse-s3.txt',
        Body: 'ok',
        ServerSideEncryption: 'AES256',
      }),
    );
    expect(readdirSync(server.bucketDir)).toEqual(['sse-s3.txt']);
  });

  it('rejects tags, locks and versioned copies it would not keep', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'source.txt', Body: 'source' }));

    const tagged = s3.send(
      new PutObjectCommand({ Bucket, Key: 'tagged.txt', Body: 'x', Tagging: 'team=ml' }),
    );
    await expect(tagged).rejects.toMatchObject({ name: 'NotImplemented' });
    const locked = s3.send(
      new PutObjectCommand({
        Bucket,
        Key: 'locked.txt',
        Body: 'x',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000),
      }),
    );
    await expect(locked).rejects.toMatchObject({ name: 'NotImplemented' });
    const versioned = s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'copy.txt',
        CopySource: `${Bucket}/source.txt?versionId=bogus123`,
      }),
    );
    await expect(versioned).rejects.toMatchObject({ name: 'NotImplemented' });
    expect(readdirSync(server.bucketDir)).toEqual(['source.txt']);
  });

  it('serves ranges on HeadObject', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'digits', Body: '0123456789' }));

    const head = await s3.send(
      new HeadObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=3-6' }),
    );
    expect(head.$metadata.httpStatusCode).toBe(206);
    expect(head.ContentLength).toBe(4);
    expect(head.ContentRange).toBe('bytes 3-6/10');
    await expect(
      s3.send(new HeadObjectCommand({ Bucket, Key: 'digits', Range: 'bytes=50-60' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 416 } });
  });

  it('rejects an invalid response header override and leaks no file', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'big.bin', Body: randomBytes(200_000) }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'small.txt', Body: 'small' }));
    const openFiles = () => readdirSync('/proc/self/fd').length;

    const before = openFiles();
    for (const Key of ['big.bin', 'small.txt']) {
      for (const ResponseContentDisposition of ['a\nb', 'snow \u2603']) {
        await expect(
          s3.send(new GetObjectCommand({ Bucket, Key, ResponseContentDisposition })),
        ).rejects.toMatchObject({
          name: 'InvalidArgument',
          $metadata: { httpStatusCode: 400 },
        });
      }
    }
    expect(openFiles()).toBeLessThanOrEqual(before);

    const allowed = await s3.send(
      new GetObjectCommand({ Bucket, Key: 'small.txt', ResponseContentDisposition: 'inline' }),
    );
    expect(allowed.ContentDisposition).toBe('inline');
  });

  it('uploads in parts with lib-storage', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const body = randomBytes(13 * 1024 * 1024);

    const result = await new Upload({
      client: s3,
      params: { Bucket, Key: 'parts/big.bin', Body: body },
      partSize: 5 * 1024 * 1024,
    }).done();
    const partMd5s = [0, 1, 2].map((index) =>
      createHash('md5')
        .update(body.subarray(index * 5 * 1024 * 1024, (index + 1) * 5 * 1024 * 1024))
        .digest(),
    );
    expect(result.ETag).toBe(`"${md5(Buffer.concat(partMd5s))}-3"`);

    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'parts/big.bin' }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(body)).toBe(true);
    expect((await readFile(join(server.bucketDir, 'parts', 'big.bin'))).equals(body)).toBe(true);
  });

  it('drives a multipart upload by hand', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const Key = 'manual.bin';

    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const first = randomBytes(5 * 1024 * 1024);
    const part1 = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: first }),
    );
    const part2 = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'tail' }),
    );

    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((upload) => upload.UploadId)).toEqual([UploadId]);
    const parts = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(parts.Parts?.map((part) => part.Size)).toEqual([5 * 1024 * 1024, 4]);

    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPart' });
    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 2, ETag: part2.ETag },
              { PartNumber: 1, ETag: part1.ETag },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidPartOrder' });

    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: part1.ETag },
            { PartNumber: 2, ETag: part2.ETag },
          ],
        },
      }),
    );
    const stored = await readFile(join(server.bucketDir, Key));
    expect(stored.equals(Buffer.concat([first, Buffer.from('tail')]))).toBe(true);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
  });

  it('rejects small parts and removes aborted uploads', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const Key = 'small.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const part1 = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'a' }),
    );
    const part2 = await s3.send(
      new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'b' }),
    );
    await expect(
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: part1.ETag },
              { PartNumber: 2, ETag: part2.ETag },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'EntityTooSmall' });
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    await expect(s3.send(new ListPartsCommand({ Bucket, Key, UploadId }))).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(server.dataDir, 'multipart'))).toEqual([]);
  });

  it('lists with prefixes, delimiters and pages', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const keys = ['a/1', 'a/2', 'a/b/3', 'a-c', 'b/4', 'top', 'with space/é'];
    for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));

    const rolled = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
    expect(rolled.Contents?.map((object) => object.Key)).toEqual(['a-c', 'top']);
    expect(rolled.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual([
      'a/',
      'b/',
      'with space/',
    ]);

    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket, MaxKeys: 2, ContinuationToken: token }),
      );
      seen.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    expect(seen).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));

    const afterA = await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: 'a/b/3' }));
    expect(afterA.Contents?.[0]?.Key).toBe('b/4');
    const paged = await s3.send(
      new ListObjectsV2Command({ Bucket, Delimiter: '/', MaxKeys: 1, StartAfter: 'a-c' }),
    );
    expect(paged.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/']);
    expect(paged.IsTruncated).toBe(true);
    const next = await s3.send(
      new ListObjectsV2Command({
        Bucket,
        Delimiter: '/',
        MaxKeys: 1,
        ContinuationToken: paged.NextContinuationToken,
      }),
    );
    expect(next.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['b/']);
    const underPrefix = await s3.send(
      new ListObjectsV2Command({ Bucket, Prefix: 'a/', Delimiter: '/', StartAfter: 'a/' }),
    );
    expect(underPrefix.Contents?.map((object) => object.Key)).toEqual(['a/1', 'a/2']);
    expect(underPrefix.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['a/b/']);
    const v1Marker = await s3.send(
      new ListObjectsCommand({ Bucket, Prefix: 'a/', Delimiter: '/', Marker: 'a/' }),
    );
    expect(v1Marker.Contents?.map((object) => object.Key)).toEqual(['a/1', 'a/2']);

    const v1 = await s3.send(new ListObjectsCommand({ Bucket, Prefix: 'a/' }));
    expect(v1.Contents?.map((object) => object.Key)).toEqual(['a/1', 'a/2', 'a/b/3']);
    const encoded = await s3.send(
      new ListObjectsV2Command({ Bucket, Prefix: 'with', EncodingType: 'url' }),
    );
    expect(encoded.Contents?.map((object) => object.Key)).toEqual(['with%20space/%C3%A9']);
  });

  it('copies objects and deletes several at once', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'src.txt', Body: 'copy me', Metadata: { a: '1' } }),
    );
    await s3.send(
      new CopyObjectCommand({ Bucket, Key: 'dst.txt', CopySource: `${Bucket}/src.txt` }),
    );
    const copy = await s3.send(new HeadObjectCommand({ Bucket, Key: 'dst.txt' }));
    expect(copy.Metadata).toEqual({ a: '1' });
    await s3.send(
      new CopyObjectCommand({
        Bucket,
        Key: 'dst.txt',
        CopySource: `${Bucket}/src.txt`,
        MetadataDirective: 'REPLACE',
        Metadata: { b: '2' },
      }),
    );
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'dst.txt' }))).Metadata).toEqual({
      b: '2',
    });

    const deleted = await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: { Objects: [{ Key: 'src.txt' }, { Key: 'dst.txt' }, { Key: 'none' }] },
      }),
    );
    expect(deleted.Deleted?.map((entry) => entry.Key)).toEqual(['src.txt', 'dst.txt', 'none']);
    expect((await s3.send(new ListObjectsV2Command({ Bucket }))).KeyCount).toBe(0);
  });

  it('rejects sub-resources and version ids', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const Key = 'kept.txt';
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'kept' }));
    const unsupported = [
      new DeleteObjectTaggingCommand({ Bucket, Key }),
      new PutObjectRetentionCommand({
        Bucket,
        Key,
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 86_400_000) },
      }),
      new PutObjectLegalHoldCommand({ Bucket, Key, LegalHold: { Status: 'ON' } }),
      new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes: ['ETag'] }),
      new PutBucketVersioningCommand({
        Bucket,
        VersioningConfiguration: { Status: 'Enabled' },
      }),
      new PutObjectCommand({ Bucket, Key: 'public.txt', Body: 'x', ACL: 'public-read' }),
      new PutObjectCommand({ Bucket, Key: 'cold.txt', Body: 'x', StorageClass: 'GLACIER' }),
    ];
    for (const command of unsupported) {
      await expect(s3.send(command as PutObjectCommand)).rejects.toMatchObject({
        name: 'NotImplemented',
      });
    }
    for (const command of [
      new GetObjectCommand({ Bucket, Key, VersionId: 'abc' }),
      new DeleteObjectCommand({ Bucket, Key, VersionId: 'abc' }),
    ]) {
      await expect(s3.send(command as GetObjectCommand)).rejects.toMatchObject({
        name: 'InvalidArgument',
      });
    }
    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key, VersionId: 'abc' }] } }),
    );
    expect(deleted.Errors?.map((error) => error.Code)).toEqual(['NoSuchVersion']);

    const current = await s3.send(new GetObjectCommand({ Bucket, Key, VersionId: 'null' }));
    expect(await current.Body!.transformToString()).toBe('kept');
    expect(readdirSync(server.bucketDir)).toEqual([Key]);
  });

  it('copies parts from objects and their ranges', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const source = randomBytes(6 * 1024 * 1024);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'source.bin', Body: source }));
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key: 'joined.bin' }),
    );

    const first = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: 'joined.bin',
        UploadId,
        PartNumber: 1,
        CopySource: `${Bucket}/source.bin`,
      }),
    );
    const second = await s3.send(
      new UploadPartCopyCommand({
        Bucket,
        Key: 'joined.bin',
        UploadId,
        PartNumber: 2,
        CopySource: `${Bucket}/source.bin`,
        CopySourceRange: 'bytes=10-19',
      }),
    );
    await expect(
      s3.send(
        new UploadPartCopyCommand({
          Bucket,
          Key: 'joined.bin',
          UploadId,
          PartNumber: 3,
          CopySource: `${Bucket}/source.bin`,
          CopySourceRange: `bytes=0-${source.length}`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument' });
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key: 'joined.bin',
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.CopyPartResult!.ETag },
            { PartNumber: 2, ETag: second.CopyPartResult!.ETag },
          ],
        },
      }),
    );
    const joined = await s3.send(new GetObjectCommand({ Bucket, Key: 'joined.bin' }));
    const bytes = Buffer.from(await joined.Body!.transformToByteArray());
    expect(bytes.equals(Buffer.concat([source, source.subarray(10, 20)]))).toBe(true);
  });

  it('pages through multipart uploads', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const started: string[] = [];
    for (const Key of ['a.bin', 'a.bin', 'b.bin', 'logs/1.txt', 'z.bin']) {
      const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
      started.push(UploadId!);
    }

    const listed: string[] = [];
    let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
    for (let page = 0; page < 10; page++) {
      const result = await s3.send(
        new ListMultipartUploadsCommand({ Bucket, MaxUploads: 2, ...markers }),
      );
      listed.push(...(result.Uploads ?? []).map((upload) => upload.UploadId!));
      if (!result.IsTruncated) break;
      markers = { KeyMarker: result.NextKeyMarker, UploadIdMarker: result.NextUploadIdMarker };
    }
    expect(listed.sort()).toEqual([...started].sort());
    const rolled = await s3.send(new ListMultipartUploadsCommand({ Bucket, Delimiter: '/' }));
    expect(rolled.CommonPrefixes?.map((entry) => entry.Prefix)).toEqual(['logs/']);
    expect(rolled.Uploads).toHaveLength(4);
  });

  it('deletes one key from many clients at once', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const keys = Array.from({ length: 20 }, (_, index) => `race/k${index}`);

    for (let round = 0; round < 25; round++) {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'race/one', Body: 'x' }));
      const deletes = Array.from({ length: 8 }, () =>
        s3.send(new DeleteObjectCommand({ Bucket, Key: 'race/one' })),
      );
      for (const result of await Promise.all(deletes)) {
        expect(result.$metadata.httpStatusCode).toBe(204);
      }

      await Promise.all(
        keys.map((Key) => s3.send(new PutObjectCommand({ Bucket, Key, Body: 'x' }))),
      );
      const batch = { Objects: keys.map((Key) => ({ Key })) };
      const batches = Array.from({ length: 4 }, () =>
        s3.send(new DeleteObjectsCommand({ Bucket, Delete: batch })),
      );
      for (const result of await Promise.all(batches)) expect(result.Errors ?? []).toEqual([]);
    }
    const listing = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'race/' }));
    expect(listing.KeyCount).toBe(0);
  });

  it('deletes keys with spaces around them as sent', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'foo', Body: 'plain' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: ' foo ', Body: 'spaced' }));

    const deleted = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: ' foo ' }] } }),
    );
    expect(deleted.Deleted?.map((entry) => entry.Key)).toEqual([' foo ']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual(['foo']);
  });

  it('answers bucket requests', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual([credentials.bucket_name]);
    await s3.send(new HeadBucketCommand({ Bucket: credentials.bucket_name }));
    const location = await s3.send(
      new GetBucketLocationCommand({ Bucket: credentials.bucket_name }),
    );
    expect(location.LocationConstraint ?? '').toBe('');
    await expect(
      s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })),
    ).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('shares one view with the REST API and the bucket folder', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;

    await s3.send(new PutObjectCommand({ Bucket, Key: 'views/from-s3.txt', Body: 's3' }));
    expect(await (await server.api('/storage/download/views/from-s3.txt')).text()).toBe('s3');
    expect(await readFile(join(server.bucketDir, 'views', 'from-s3.txt'), 'utf8')).toBe('s3');

    await writeFile(join(server.bucketDir, 'views', 'from-mount.txt'), 'mount');
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'views/from-mount.txt' }));
    expect(await got.Body!.transformToString()).toBe('mount');
    expect(got.ETag).toBe(`"${md5('mount')}"`);

    const form = new FormData();
    form.append('file', new Blob(['rest']), 'from-rest.txt');
    await server.api('/storage/upload?key=views/from-rest.txt', { method: 'POST', body: form });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'views/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([
      'views/from-mount.txt',
      'views/from-rest.txt',
      'views/from-s3.txt',
    ]);
  });
});
