import { request as httpRequest } from 'node:http';
import Database from 'better-sqlite3';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { dataDirLayout } from '../../../src/config/data-dir.js';
import { startTestServer, type TestServer } from '../../docker/support/test-server.js';
import { issueCredentials, sdkClient, type IssuedCredentials } from './s3-test-support.js';

/** Returns a SigV4 signer for these credentials that leaves request paths as given. */
function s3Signer(credentials: IssuedCredentials): SignatureV4 {
  return new SignatureV4({
    service: 's3',
    region: credentials.region,
    sha256: Sha256,
    uriEscapePath: false,
    credentials: {
      accessKeyId: credentials.access_key,
      secretAccessKey: credentials.secret_key,
      sessionToken: credentials.session_token,
    },
  });
}

/** Signs a request the way S3 clients do and sends it with node:http, keeping the path as given. */
async function signedRequest(
  credentials: IssuedCredentials,
  options: {
    method?: string;
    path: string;
    body?: string;
    signingDate?: Date;
    headers?: Record<string, string>;
    tamper?: (headers: Record<string, string>) => void;
    /** Sends the headers first and the body this many milliseconds later. */
    bodyDelayMs?: number;
  },
): Promise<{ status: number; body: string }> {
  const endpoint = new URL(credentials.endpoint);
  const signer = s3Signer(credentials);
  const [path, rawQuery = ''] = options.path.split('?') as [string, string?];
  const query = Object.fromEntries(new URLSearchParams(rawQuery));
  const unsigned = new HttpRequest({
    method: options.method ?? 'GET',
    protocol: 'http:',
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path,
    query,
    headers: {
      host: endpoint.host,
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
      ...options.headers,
    },
    body: options.body,
  });
  const signed = await signer.sign(unsigned, { signingDate: options.signingDate ?? new Date() });
  const headers = { ...(signed.headers as Record<string, string>) };
  options.tamper?.(headers);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method: signed.method,
        path: options.path,
        headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      },
    );
    outgoing.on('error', reject);
    if (options.bodyDelayMs === undefined) {
      outgoing.end(options.body);
      return;
    }
    outgoing.flushHeaders();
    setTimeout(() => outgoing.end(options.body), options.bodyDelayMs);
  });
}

async function createSecondAccount(server: TestServer): Promise<string> {
  const created = await server.cli([
    'accounts',
    'create',
    'bob',
    '--data-dir',
    server.dataDir,
    '--json',
  ]);
  return (JSON.parse(created.stdout) as { api_key: string }).api_key;
}

describe('S3 endpoint security', () => {
  it('denies another account bucket', async () => {
    await using server = await startTestServer();
    const alice = await issueCredentials(server);
    await sdkClient(alice).send(
      new PutObjectCommand({ Bucket: alice.bucket_name, Key: 'secret.txt', Body: 'alice only' }),
    );
    const bob = await issueCredentials(server, await createSecondAccount(server));
    const s3 = sdkClient(bob);

    expect(bob.bucket_name).not.toBe(alice.bucket_name);
    await expect(
      s3.send(new ListObjectsV2Command({ Bucket: alice.bucket_name })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      s3.send(new GetObjectCommand({ Bucket: alice.bucket_name, Key: 'secret.txt' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      s3.send(new PutObjectCommand({ Bucket: alice.bucket_name, Key: 'planted.txt', Body: 'x' })),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    const buckets = await s3.send(new ListBucketsCommand({}));
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual([bob.bucket_name]);
    const own = await s3.send(new ListObjectsV2Command({ Bucket: bob.bucket_name }));
    expect(own.KeyCount).toBe(0);
  });

  it('answers ExpiredToken after expiry', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const db = new Database(dataDirLayout(server.dataDir).database);
    db.prepare('UPDATE s3_credentials SET expires_at = ? WHERE access_key = ?').run(
      new Date(Date.now() - 1000).toISOString(),
      credentials.access_key,
    );
    db.close();
    await expect(
      sdkClient(credentials).send(new ListObjectsV2Command({ Bucket: credentials.bucket_name })),
    ).rejects.toMatchObject({ name: 'ExpiredToken' });
  });

  it.each([
    ['session token', { session_token: 'changed-token' }, 'InvalidToken'],
    [
      'secret key',
      { secret_key: 'changed-secret-changed-secret-changed' },
      'SignatureDoesNotMatch',
    ],
    ['access key', { access_key: 'LYCUNKNOWNUNKNOWN123' }, 'InvalidAccessKeyId'],
  ])('rejects a changed %s', async (_name, overrides, code) => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    await expect(
      sdkClient(credentials, overrides).send(
        new ListObjectsV2Command({ Bucket: credentials.bucket_name }),
      ),
    ).rejects.toMatchObject({ name: code });
  });

  it('rejects a changed signature', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const valid = await signedRequest(credentials, {
      path: `/${credentials.bucket_name}?list-type=2`,
    });
    expect(valid.status).toBe(200);
    const tampered = await signedRequest(credentials, {
      path: `/${credentials.bucket_name}?list-type=2`,
      tamper: (headers) => {
        headers.authorization = headers.authorization!.replace(
          /Signature=(.)/,
          (_m, first: string) => `Signature=${first === '0' ? '1' : '0'}`,
        );
      },
    });
    expect(tampered.status).toBe(403);
    expect(tampered.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('rejects a changed request date', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const response = await signedRequest(credentials, {
      path: `/${credentials.bucket_name}/a.txt`,
      tamper: (headers) => {
        const date = headers['x-amz-date']!;
        headers['x-amz-date'] = date.replace(
          /(\d)Z$/,
          (_match, digit: string) => `${(Number(digit) + 1) % 10}Z`,
        );
        expect(headers['x-amz-date']).not.toBe(date);
      },
    });
    expect(response.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('rejects unsigned requests', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const response = await fetch(`${credentials.endpoint}/${credentials.bucket_name}?list-type=2`);
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>AccessDenied</Code>');
  });

  it('rejects form POST uploads', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const form = new FormData();
    form.set('key', 'posted.txt');
    form.set('file', new Blob(['posted']), 'posted.txt');
    const response = await fetch(`${credentials.endpoint}/${credentials.bucket_name}`, {
      method: 'POST',
      body: form,
    });
    const text = await response.text();
    expect(response.status).toBe(501);
    expect(text).toContain('<Code>NotImplemented</Code>');
    expect(text).toContain('use a presigned PUT URL');
  });

  it('rejects creating another bucket', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const error = sdkClient(credentials).send(new CreateBucketCommand({ Bucket: 'new-bucket' }));
    await expect(error).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(error).rejects.toThrow(`Each account has one bucket, ${credentials.bucket_name}`);
  });

  it('rejects a skewed clock', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const response = await signedRequest(credentials, {
      path: `/${credentials.bucket_name}?list-type=2`,
      signingDate: new Date(Date.now() - 20 * 60 * 1000),
    });
    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>RequestTimeTooSkewed</Code>');
  });

  it('rejects keys with dot-dot segments', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    for (const path of [
      `/${credentials.bucket_name}/a/../escape.txt`,
      `/${credentials.bucket_name}/..%2Fescape.txt`,
    ]) {
      const response = await signedRequest(credentials, { method: 'PUT', path, body: 'x' });
      expect(response.status).toBe(400);
      expect(response.body).toContain('<Code>InvalidArgument</Code>');
    }
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(server.bucketDir)).toEqual([]);
  });

  it('rejects unsigned x-amz headers', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    const Bucket = credentials.bucket_name;
    await s3.send(new PutObjectCommand({ Bucket, Key: 'secret.txt', Body: 'secret' }));
    const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: 'inbox.txt' }), {
      expiresIn: 600,
    });

    const presigned = await fetch(url, {
      method: 'PUT',
      headers: { 'x-amz-copy-source': `${Bucket}/secret.txt` },
      body: '',
    });
    expect(presigned.status).toBe(403);
    expect(await presigned.text()).toContain('not signed: x-amz-copy-source');
    const signed = await signedRequest(credentials, {
      method: 'PUT',
      path: `/${Bucket}/inbox.txt`,
      body: '',
      tamper: (headers) => {
        headers['x-amz-copy-source'] = `${Bucket}/secret.txt`;
      },
    });
    expect(signed.status).toBe(403);
    expect(signed.body).toContain('<Code>AccessDenied</Code>');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(server.bucketDir)).toEqual(['secret.txt']);
  });

  it.each([
    ['a malformed chunk header', '5\r\nhello\r\nZZ\r\n'],
    ['data after the last chunk', '5\r\nhello\r\n0\r\n\r\nextra'],
  ])('answers 400 to an aws-chunked body with %s', async (_case, body) => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const Bucket = credentials.bucket_name;

    const put = await signedRequest(credentials, {
      method: 'PUT',
      path: `/${Bucket}/chunked.txt`,
      body,
      headers: {
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'content-encoding': 'aws-chunked',
      },
      // The body's error then comes in an event of its own, as it does when a client sends the
      // headers first.
      bodyDelayMs: 50,
    });
    expect(put.status).toBe(400);
    expect(put.body).toContain('<Code>InvalidRequest</Code>');
    const list = await sdkClient(credentials).send(new ListObjectsV2Command({ Bucket }));
    expect(list.KeyCount).toBe(0);
  });

  it('caps the connections of one address', async () => {
    await using server = await startTestServer();
    // Clients on the loopback address share it, so the cap holds on the address runs use.
    const gatewayUrl = server.server.s3GatewayUrl;
    expect(gatewayUrl).toBeDefined();
    const { hostname, port } = new URL(gatewayUrl!);
    const { connect } = await import('node:net');
    const open = () =>
      new Promise<import('node:net').Socket>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => resolve(socket));
        socket.on('error', reject);
      });
    const sockets = [];
    try {
      for (let index = 0; index < 256; index++) sockets.push(await open());
      const extra = await open();
      sockets.push(extra);
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 3_000);
        extra.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      expect(closed).toBe(true);
      expect(sockets[0]!.destroyed).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('rejects a path with a malformed escape', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const Bucket = credentials.bucket_name;

    const put = await signedRequest(credentials, {
      method: 'PUT',
      path: `/${Bucket}/%41/%zz`,
      body: 'x',
    });
    expect(put.status).toBe(400);
    expect(put.body).toContain('<Code>InvalidURI</Code>');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(server.bucketDir)).toEqual([]);
  });

  it('expires presigned URLs', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    await s3.send(
      new PutObjectCommand({ Bucket: credentials.bucket_name, Key: 'shared.txt', Body: 'shared' }),
    );
    const command = new GetObjectCommand({ Bucket: credentials.bucket_name, Key: 'shared.txt' });
    const url = await getSignedUrl(s3, command, { expiresIn: 1 });
    const fresh = await fetch(url);
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe('shared');
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
  });

  it('revokes all credentials at once', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const s3 = sdkClient(credentials);
    await s3.send(new ListObjectsV2Command({ Bucket: credentials.bucket_name }));
    const revoke = await server.cli(['storage', 'credentials', '--revoke-all', '--json']);
    expect(JSON.parse(revoke.stdout)).toEqual({ revoked_count: 1 });
    await expect(
      s3.send(new ListObjectsV2Command({ Bucket: credentials.bucket_name })),
    ).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
  });

  it('stops an upload whose credentials were revoked mid-body', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    const endpoint = new URL(credentials.endpoint);
    const signer = s3Signer(credentials);
    const body = 'x'.repeat(200_000);
    const signed = await signer.sign(
      new HttpRequest({
        method: 'PUT',
        protocol: 'http:',
        hostname: endpoint.hostname,
        port: Number(endpoint.port),
        path: `/${credentials.bucket_name}/late.txt`,
        headers: {
          host: endpoint.host,
          'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
          'content-length': String(body.length),
        },
      }),
    );

    const outgoing = httpRequest({
      host: endpoint.hostname,
      port: endpoint.port,
      method: 'PUT',
      path: signed.path,
      headers: signed.headers,
    });
    const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
      outgoing.on('error', reject);
      outgoing.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
    });
    await new Promise<void>((resolve) => outgoing.write(body.slice(0, 1000), () => resolve()));
    const revoke = await server.cli(['storage', 'credentials', '--revoke-all', '--json']);
    expect(JSON.parse(revoke.stdout)).toEqual({ revoked_count: 1 });
    outgoing.end(body.slice(1000));

    const { status, text } = await reply;
    expect(status).toBe(403);
    expect(text).toContain('<Code>InvalidAccessKeyId</Code>');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(server.bucketDir)).toEqual([]);
  });

  it('keeps credentials across a restart', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server);
    await server.restart();
    const restarted = { ...credentials, endpoint: server.server.s3Url };
    const listed = await sdkClient(restarted).send(
      new ListObjectsV2Command({ Bucket: credentials.bucket_name }),
    );
    expect(listed.KeyCount).toBe(0);
  });

  it.each([899, 43_201, 1.5])('rejects duration_seconds %s with 422', async (duration) => {
    await using server = await startTestServer();
    const response = await server.api('/storage/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ duration_seconds: duration }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain('900 to 43200');
  });

  it('issues credentials for the requested duration', async () => {
    await using server = await startTestServer();
    const credentials = await issueCredentials(server, server.apiKey, { duration_seconds: 900 });
    const lifetime = Date.parse(credentials.expires_at) - Date.now();
    expect(lifetime).toBeGreaterThan(880_000);
    expect(lifetime).toBeLessThanOrEqual(900_000);
    expect(credentials.endpoint).toBe(server.server.s3Url);
    expect(credentials.region).toBe('us-east-1');
  });

  it('prints credentials as export lines', async () => {
    await using server = await startTestServer();
    const result = await server.cli(['storage', 'credentials', '--env']);
    expect(result.exitCode).toBe(0);
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_ENDPOINT_URL',
      'AWS_ENDPOINT_URL_S3',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'LYCEUM_S3_BUCKET',
      'LYCEUM_S3_ENDPOINT',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^export ${name}='[^']+'$`, 'm'));
    }
    expect(await server.log()).not.toMatch(/secret_key|SecretAccessKey/);
  });
});
