import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../docker/support/test-server.js';
import {
  clientEnv,
  issueCredentials,
  sdkClient,
  type IssuedCredentials,
} from './s3-test-support.js';

const BOTO3_SCRIPT = String.raw`
import json, os, sys
import boto3
from boto3.s3.transfer import TransferConfig

action, *args = sys.argv[1:]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                  config=boto3.session.Config(s3={"addressing_style": "path"}))
bucket = os.environ["LYCEUM_S3_BUCKET"]
parts = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024)
if action == "upload":
    s3.upload_file(args[0], bucket, args[1], Config=parts)
elif action == "download":
    s3.download_file(bucket, args[0], args[1], Config=parts)
elif action == "list":
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=args[0], PaginationConfig={"PageSize": int(args[1])})
    print(json.dumps([[item["Key"] for item in page.get("Contents", [])] for page in pages]))
elif action == "presign":
    params = {"Bucket": bucket, "Key": args[0]}
    if len(args) > 1:
        params["ResponseContentDisposition"] = args[1]
    print(s3.generate_presigned_url("get_object", Params=params, ExpiresIn=300))
elif action == "head":
    print(s3.head_object(Bucket=bucket, Key=args[0])["ETag"])
`;

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function boto3(server: TestServer, credentials: IssuedCredentials, args: string[]) {
  const script = join(server.dataDir, 'boto3-client.py');
  await writeFile(script, BOTO3_SCRIPT);
  return execa('python3', [script, ...args], {
    env: clientEnv(credentials),
    extendEnv: false,
    reject: false,
  });
}

function aws(credentials: IssuedCredentials, args: string[]) {
  return execa('aws', [...args, '--endpoint-url', credentials.endpoint], {
    env: clientEnv(credentials),
    extendEnv: false,
    reject: false,
  });
}

function rcloneEnv(credentials: IssuedCredentials): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    RCLONE_CONFIG_LY_TYPE: 's3',
    RCLONE_CONFIG_LY_PROVIDER: 'Other',
    RCLONE_CONFIG_LY_ACCESS_KEY_ID: credentials.access_key,
    RCLONE_CONFIG_LY_SECRET_ACCESS_KEY: credentials.secret_key,
    RCLONE_CONFIG_LY_SESSION_TOKEN: credentials.session_token,
    RCLONE_CONFIG_LY_ENDPOINT: credentials.endpoint,
    RCLONE_CONFIG_LY_REGION: credentials.region,
    RCLONE_CONFIG_LY_FORCE_PATH_STYLE: 'true',
    RCLONE_CONFIG: '/dev/null',
  };
}

function rclone(credentials: IssuedCredentials, args: string[]) {
  return execa('rclone', args, { env: rcloneEnv(credentials), extendEnv: false, reject: false });
}

describe('S3 endpoint with boto3, the AWS CLI and rclone', () => {
  it('works with boto3 transfers, paginators and presigned URLs', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const source = join(server.dataDir, 'boto3-source.bin');
    await writeFile(source, randomBytes(17 * 1024 * 1024));

    const upload = await boto3(server, credentials, ['upload', source, 'boto3/big.bin']);
    expect(upload.stderr).toBe('');
    expect(upload.exitCode).toBe(0);
    const etag = await boto3(server, credentials, ['head', 'boto3/big.bin']);
    expect(String(etag.stdout)).toMatch(/^"[0-9a-f]{32}-4"$/);

    const target = join(server.dataDir, 'boto3-target.bin');
    const download = await boto3(server, credentials, ['download', 'boto3/big.bin', target]);
    expect(download.exitCode).toBe(0);
    expect(await sha256File(target)).toBe(await sha256File(source));

    const s3 = sdkClient(credentials);
    for (let index = 0; index < 25; index++) {
      const { PutObjectCommand } = await import('@aws-sdk/client-s3');
      await s3.send(
        new PutObjectCommand({
          Bucket: credentials.bucket_name,
          Key: `paged/${String(index).padStart(2, '0')}`,
          Body: 'x',
        }),
      );
    }
    const pages = JSON.parse(
      String((await boto3(server, credentials, ['list', 'paged/', '10'])).stdout),
    ) as string[][];
    expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(
      Array.from({ length: 25 }, (_, index) => `paged/${String(index).padStart(2, '0')}`),
    );

    const url = String((await boto3(server, credentials, ['presign', 'paged/07'])).stdout).trim();
    const fetched = await fetch(url);
    expect(fetched.status, await fetched.clone().text()).toBe(200);
    expect(await fetched.text()).toBe('x');

    // boto3 presigns with Signature Version 2 here. An empty override is signed as "name=",
    // unlike a bare sub-resource such as "uploads".
    for (const disposition of ['', 'attachment; filename="x.txt"']) {
      const presign = await boto3(server, credentials, ['presign', 'paged/07', disposition]);
      const presignedUrl = String(presign.stdout).trim();
      expect(presignedUrl).toContain('AWSAccessKeyId=');
      const overridden = await fetch(presignedUrl);
      expect(overridden.status, await overridden.clone().text()).toBe(200);
      expect(overridden.headers.get('content-disposition')).toBe(disposition);
    }
  });

  it('works with the AWS CLI', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const bucket = `s3://${credentials.bucket_name}`;
    const folder = join(server.dataDir, 'cli-folder');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'a.txt'), 'a');
    await writeFile(join(folder, 'sub', 'b.txt'), 'b');
    const big = join(server.dataDir, 'cli-big.bin');
    await writeFile(big, randomBytes(20 * 1024 * 1024));

    expect(
      (await aws(credentials, ['s3', 'cp', big, `${bucket}/cli/big.bin`, '--only-show-errors']))
        .exitCode,
    ).toBe(0);
    expect(
      (await aws(credentials, ['s3', 'sync', folder, `${bucket}/cli/folder`, '--only-show-errors']))
        .exitCode,
    ).toBe(0);
    const listing = await aws(credentials, ['s3', 'ls', `${bucket}/cli/`, '--recursive']);
    expect(String(listing.stdout)).toContain('cli/folder/sub/b.txt');
    expect(String(listing.stdout)).toContain('20971520 cli/big.bin');

    const resync = await aws(credentials, ['s3', 'sync', folder, `${bucket}/cli/folder`]);
    expect(String(resync.stdout)).toBe('');

    const copy = join(server.dataDir, 'cli-copy.bin');
    expect(
      (await aws(credentials, ['s3', 'cp', `${bucket}/cli/big.bin`, copy, '--only-show-errors']))
        .exitCode,
    ).toBe(0);
    expect(await sha256File(copy)).toBe(await sha256File(big));

    // Over the CLI's 8 MiB multipart threshold, a copy inside the bucket uses UploadPartCopy.
    expect(
      (
        await aws(credentials, [
          's3',
          'mv',
          `${bucket}/cli/big.bin`,
          `${bucket}/cli/moved/big.bin`,
          '--only-show-errors',
        ])
      ).exitCode,
    ).toBe(0);
    const moved = join(server.dataDir, 'cli-moved.bin');
    expect(
      (
        await aws(credentials, [
          's3',
          'cp',
          `${bucket}/cli/moved/big.bin`,
          moved,
          '--only-show-errors',
        ])
      ).exitCode,
    ).toBe(0);
    expect(await sha256File(moved)).toBe(await sha256File(big));

    const put = await aws(credentials, [
      's3api',
      'put-object',
      '--bucket',
      credentials.bucket_name,
      '--key',
      'cli/api.txt',
      '--body',
      join(folder, 'a.txt'),
      '--metadata',
      'team=ml',
    ]);
    expect(put.exitCode).toBe(0);
    const head = JSON.parse(
      String(
        (
          await aws(credentials, [
            's3api',
            'head-object',
            '--bucket',
            credentials.bucket_name,
            '--key',
            'cli/api.txt',
          ])
        ).stdout,
      ),
    ) as { Metadata: Record<string, string>; ContentLength: number };
    expect(head.Metadata).toEqual({ team: 'ml' });
    expect(head.ContentLength).toBe(1);

    expect(
      (await aws(credentials, ['s3', 'rm', `${bucket}/cli`, '--recursive', '--only-show-errors']))
        .exitCode,
    ).toBe(0);
    expect(await readdir(server.bucketDir)).toEqual([]);
  });

  it('works with rclone copy, sync and lsf', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const remote = `ly:${credentials.bucket_name}/rc`;
    const folder = join(server.dataDir, 'rclone-folder');
    await mkdir(join(folder, 'nested'), { recursive: true });
    await writeFile(join(folder, 'one.txt'), 'one');
    await writeFile(join(folder, 'nested', 'two.bin'), randomBytes(7 * 1024 * 1024));

    const copy = await rclone(credentials, ['copy', folder, remote]);
    expect(copy.stderr).toBe('');
    expect(copy.exitCode).toBe(0);
    const files = await rclone(credentials, ['lsf', '-R', remote]);
    expect(String(files.stdout).split('\n').sort()).toEqual([
      'nested/',
      'nested/two.bin',
      'one.txt',
    ]);

    const check = await rclone(credentials, ['check', folder, remote]);
    expect(check.exitCode).toBe(0);

    await rm(join(folder, 'one.txt'));
    await writeFile(join(folder, 'three.txt'), 'three');
    expect((await rclone(credentials, ['sync', folder, remote])).exitCode).toBe(0);
    const after = await rclone(credentials, ['lsf', remote]);
    expect(String(after.stdout).split('\n').sort()).toEqual(['nested/', 'three.txt']);

    const back = join(server.dataDir, 'rclone-back');
    expect((await rclone(credentials, ['copy', remote, back])).exitCode).toBe(0);
    expect(await readFile(join(back, 'three.txt'), 'utf8')).toBe('three');
  });

  it('uploads multipart with rclone', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const source = join(server.dataDir, 'parts.bin');
    await writeFile(source, randomBytes(11 * 1024 * 1024));
    const remote = `ly:${credentials.bucket_name}/rc`;

    // rclone writes the quotes of each part's ETag as the character reference &#34;.
    const copy = await rclone(credentials, [
      'copy',
      source,
      remote,
      '--s3-upload-cutoff',
      '5M',
      '--s3-chunk-size',
      '5M',
    ]);
    expect(copy.stderr).toBe('');
    expect(copy.exitCode).toBe(0);
    expect(await sha256File(join(server.bucketDir, 'rc', 'parts.bin'))).toBe(
      await sha256File(source),
    );
    const head = await sdkClient(credentials).send(
      new HeadObjectCommand({ Bucket: credentials.bucket_name, Key: 'rc/parts.bin' }),
    );
    expect(head.ETag).toMatch(/-3"$/);
  });

  it('reads and writes through rclone mount', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    await sdkClient(credentials).send(
      new PutObjectCommand({
        Bucket: credentials.bucket_name,
        Key: 'mounted/in.txt',
        Body: 'from s3',
      }),
    );
    const mountPoint = join(server.dataDir, 'rclone-mount');
    await mkdir(mountPoint);
    const mount = execa(
      'rclone',
      [
        'mount',
        `ly:${credentials.bucket_name}`,
        mountPoint,
        '--vfs-cache-mode',
        'writes',
        '--dir-cache-time',
        '1s',
      ],
      { env: rcloneEnv(credentials), extendEnv: false, reject: false },
    );
    try {
      let ready = false;
      for (let attempt = 0; attempt < 100 && !ready; attempt++) {
        ready = (await readdir(mountPoint).catch((): string[] => [])).includes('mounted');
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(ready).toBe(true);
      expect(await readFile(join(mountPoint, 'mounted', 'in.txt'), 'utf8')).toBe('from s3');
      await writeFile(join(mountPoint, 'mounted', 'out.txt'), 'through fuse');

      let stored = '';
      for (let attempt = 0; attempt < 100 && stored === ''; attempt++) {
        stored = await readFile(join(server.bucketDir, 'mounted', 'out.txt'), 'utf8').catch(
          () => '',
        );
        if (stored === '') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(stored).toBe('through fuse');
    } finally {
      await execa('fusermount3', ['-u', mountPoint], { reject: false });
      await execa('fusermount', ['-u', mountPoint], { reject: false });
      mount.kill();
      await mount;
    }
  });

  it('moves a 200 MiB file between clients byte for byte', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const source = join(server.dataDir, 'large.bin');
    await writeFile(source, randomBytes(200 * 1024 * 1024));
    const expected = await sha256File(source);

    const upload = await aws(credentials, [
      's3',
      'cp',
      source,
      `s3://${credentials.bucket_name}/large/from-cli.bin`,
      '--only-show-errors',
    ]);
    expect(upload.stderr).toBe('');
    expect(upload.exitCode).toBe(0);

    const viaRclone = join(server.dataDir, 'large-rclone');
    expect(
      (await rclone(credentials, ['copy', `ly:${credentials.bucket_name}/large`, viaRclone]))
        .exitCode,
    ).toBe(0);
    expect(await sha256File(join(viaRclone, 'from-cli.bin'))).toBe(expected);
    await rm(viaRclone, { recursive: true });

    const viaBoto3 = join(server.dataDir, 'large-boto3.bin');
    expect(
      (await boto3(server, credentials, ['download', 'large/from-cli.bin', viaBoto3])).exitCode,
    ).toBe(0);
    expect(await sha256File(viaBoto3)).toBe(expected);
    await rm(viaBoto3);

    const object = await sdkClient(credentials).send(
      new GetObjectCommand({ Bucket: credentials.bucket_name, Key: 'large/from-cli.bin' }),
    );
    const hash = createHash('sha256');
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    expect(hash.digest('hex')).toBe(expected);
  }, 300_000);
});
