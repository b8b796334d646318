import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../../docker/support/test-server.js';
import { issueCredentials, sdkClient } from './s3-test-support.js';

const EMPTY_MD5 = '"d41d8cd98f00b204e9800998ecf8427e"';

async function rejection(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${error}`);
  return error;
}

describe('S3 folder markers', () => {
  it('creates a folder from an empty marker', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;

    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'models/v1/', Body: '' }));
    expect(put.ETag).toBe(EMPTY_MD5);
    expect((await stat(join(server.bucketDir, 'models', 'v1'))).isDirectory()).toBe(true);

    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'models/v1/' }));
    expect(head.ContentLength).toBe(0);
    expect(head.ETag).toBe(EMPTY_MD5);
    expect(head.ContentType).toBe('application/x-directory');
    const get = await s3.send(new GetObjectCommand({ Bucket, Key: 'models/' }));
    expect(await get.Body!.transformToString()).toBe('');
  });

  it('answers 404 for a missing folder', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await writeFile(join(server.bucketDir, 'file.txt'), 'x');

    for (const Key of ['missing/', 'file.txt/']) {
      const error = await rejection(s3.send(new HeadObjectCommand({ Bucket, Key })));
      expect(error.$metadata.httpStatusCode).toBe(404);
    }
    const get = await rejection(s3.send(new GetObjectCommand({ Bucket, Key: 'missing/' })));
    expect(get.name).toBe('NoSuchKey');
  });

  it('rejects a marker with content', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;

    const error = await rejection(
      s3.send(new PutObjectCommand({ Bucket, Key: 'data/', Body: 'not empty' })),
    );
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('names a folder');
    await expect(stat(join(server.bucketDir, 'data'))).rejects.toThrow(/ENOENT/);
  });

  it('rejects a marker over an object', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await writeFile(join(server.bucketDir, 'taken'), 'kept');

    const error = await rejection(
      s3.send(new PutObjectCommand({ Bucket, Key: 'taken/', Body: '' })),
    );
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('would turn an existing object into a folder');
    expect((await stat(join(server.bucketDir, 'taken'))).isFile()).toBe(true);
  });

  it('deletes only empty folders', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await mkdir(join(server.bucketDir, 'empty'));
    await mkdir(join(server.bucketDir, 'full'));
    await writeFile(join(server.bucketDir, 'full', 'kept.txt'), 'kept');

    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'empty/' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'missing/' }));
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'full/' }] } }),
    );
    expect(batch.Errors ?? []).toEqual([]);
    await expect(stat(join(server.bucketDir, 'empty'))).rejects.toThrow(/ENOENT/);
    const listing = await s3.send(new ListObjectsV2Command({ Bucket }));
    expect(listing.Contents?.map((object) => object.Key)).toEqual(['full/kept.txt']);
  });

  it('honours conditions on a marker', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    const first = await s3.send(
      new PutObjectCommand({ Bucket, Key: 'dir/', Body: '', IfNoneMatch: '*' }),
    );
    expect(first.ETag).toBe(EMPTY_MD5);

    const again = s3.send(
      new PutObjectCommand({ Bucket, Key: 'dir/', Body: '', IfNoneMatch: '*' }),
    );
    await expect(again).rejects.toMatchObject({ name: 'PreconditionFailed' });
    const stale = s3.send(new PutObjectCommand({ Bucket, Key: 'dir/', Body: '', IfMatch: '"0"' }));
    await expect(stale).rejects.toMatchObject({ name: 'PreconditionFailed' });
    const missing = s3.send(
      new PutObjectCommand({ Bucket, Key: 'none/', Body: '', IfMatch: EMPTY_MD5 }),
    );
    await expect(missing).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(stat(join(server.bucketDir, 'none'))).rejects.toThrow(/ENOENT/);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'dir/', Body: '', IfMatch: EMPTY_MD5 }));
  });

  it('removes parents a marker delete empties', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'outer/inner/', Body: '' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'kept/inner/', Body: '' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'kept/file.txt', Body: 'kept' }));

    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'outer/inner/' }));
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'kept/inner/' }));

    const head = await rejection(s3.send(new HeadObjectCommand({ Bucket, Key: 'outer/' })));
    expect(head.$metadata.httpStatusCode).toBe(404);
    await expect(stat(join(server.bucketDir, 'outer'))).rejects.toThrow(/ENOENT/);
    await expect(stat(join(server.bucketDir, 'kept', 'inner'))).rejects.toThrow(/ENOENT/);
    const keptFolder = await s3.send(new HeadObjectCommand({ Bucket, Key: 'kept/' }));
    expect(keptFolder.ContentType).toBe('application/x-directory');
  });

  it('rejects a folder key for copies and multipart uploads', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'source.txt', Body: 'x' }));

    const copy = await rejection(
      s3.send(
        new CopyObjectCommand({ Bucket, Key: 'copied/', CopySource: `${Bucket}/source.txt` }),
      ),
    );
    expect(copy.$metadata.httpStatusCode).toBe(400);
    expect(copy.message).toContain('which CopyObject cannot make');
    const multipart = await rejection(
      s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'parts/' })),
    );
    expect(multipart.message).toContain('only a PutObject with an empty body makes a folder');
  });

  it('rejects an invalid folder key', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);

    const error = await rejection(
      s3.send(new PutObjectCommand({ Bucket: credentials.bucket_name, Key: 'a//', Body: '' })),
    );
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('Folder key "a//" is invalid');
  });
});
