import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { issueCredentials, sdkClient } from '../integration/s3/s3-test-support.js';
import { dockerAvailable } from './support/docker-available.js';
import { startTestServer, waitForStatus, type TestServer } from './support/test-server.js';

const BUSYBOX = 'lyceum-test/busybox:1';
const PYTHON = 'lyceum-test/python:2';

async function createAccount(
  server: TestServer,
  name: string,
): Promise<{ apiKey: string; keyId: string; bucket: string }> {
  const created = await server.cli([
    'accounts',
    'create',
    name,
    '--data-dir',
    server.dataDir,
    '--json',
  ]);
  const parsed = JSON.parse(created.stdout) as {
    api_key: string;
    key_id: string;
    bucket_name: string;
  };
  return { apiKey: parsed.api_key, keyId: parsed.key_id, bucket: parsed.bucket_name };
}

/** Fetches a URL until it responds, for a service that is still starting. */
async function fetchWithRetries(url: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function as(server: TestServer, apiKey: string) {
  return (path: string, init: RequestInit = {}) =>
    server.api(path, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${apiKey}` },
    });
}

describe.skipIf(!dockerAvailable)('accounts and isolation', () => {
  it('keeps objects and runs of one account from another', async () => {
    await using server = await startTestServer();
    const alice = as(server, server.apiKey);
    const bob = await createAccount(server, 'bob');
    const asBob = as(server, bob.apiKey);

    const form = new FormData();
    form.append('file', new Blob(['alice data']), 'secret.txt');
    expect(
      (await alice('/storage/upload?key=private/secret.txt', { method: 'POST', body: form }))
        .status,
    ).toBe(200);
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'sleep 30']);
    const runId = start.stdout.trim();
    await waitForStatus(server, runId, (status) => status === 'running');

    expect(await (await asBob('/storage/list-files')).json()).toEqual([]);
    expect((await asBob('/storage/download/private/secret.txt')).status).toBe(404);
    expect((await asBob('/storage/delete/private/secret.txt', { method: 'DELETE' })).status).toBe(
      404,
    );
    expect(
      await (await asBob('/storage/delete-folder/private', { method: 'DELETE' })).json(),
    ).toMatchObject({ deleted_count: 0 });
    expect(await (await asBob('/workloads/list')).json()).toEqual([]);
    for (const path of [
      `/execution/streaming/${runId}/status`,
      `/execution/streaming/${runId}`,
      `/execution/streaming/${runId}/output`,
    ]) {
      expect((await asBob(path)).status).toBe(404);
    }
    expect((await asBob(`/workloads/abort/${runId}`, { method: 'POST' })).status).toBe(404);
    expect((await alice(`/execution/streaming/${runId}/status`)).status).toBe(200);
    expect(await (await alice('/storage/download/private/secret.txt')).text()).toBe('alice data');

    await server.cli(['workloads', 'abort', runId]);
  });

  it('keeps runs of one account away from another bucket', async () => {
    await using server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob(['alice data']), 'secret.txt');
    await server.api('/storage/upload?key=secret.txt', { method: 'POST', body: form });
    const bob = await createAccount(server, 'bob');
    const env = { LYCEUM_API_KEY: bob.apiKey };

    const docker = await server.cli(
      [
        'docker',
        'run',
        BUSYBOX,
        '-c',
        'ls -a /mnt/s3; cat /proc/mounts | grep -c lyceum-default || true',
      ],
      { env },
    );
    expect(docker.exitCode).toBe(0);
    expect(docker.stdout).not.toContain('secret.txt');
    expect(docker.stdout.trim().split('\n').at(-1)).toBe('0');

    const script = `import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
print(os.environ["LYCEUM_S3_BUCKET"])
try:
    s3.get_object(Bucket="lyceum-default", Key="secret.txt")
    print("read alice")
except botocore.exceptions.ClientError as error:
    print(error.response["Error"]["Code"])
print(sorted(name for name in os.environ if "lyceum-default" in os.environ[name]))
`;
    const python = await server.cli(
      ['python', 'run', '--image', PYTHON, '--pull', 'never', script],
      { env },
    );
    expect(python.exitCode).toBe(0);
    expect(python.stdout.split('\n')).toEqual([bob.bucket, 'AccessDenied', '[]']);
  });

  // The engine that scripts/setup-host.sh starts keeps containers on its default bridge apart
  // (dockerd --icc=false), so runs join that bridge; the second case makes the server use a
  // network of its own instead, as it does on engines that let containers on the bridge talk.
  it.each<[string, Record<string, string>]>([
    ['the network the server chooses', {}],
    ['lyceum-runs', { LYCEUM_RUN_NETWORK: 'lyceum-runs' }],
  ])('keeps a service of one run closed to other runs on %s', async (_name, serverEnv) => {
    await using server = await startTestServer({ env: serverEnv });
    const bob = await createAccount(server, 'bob');
    const serve =
      'mkdir /www && echo alice-service > /www/index.html && exec busybox httpd -f -p 8080 -h /www';
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '--no-s3', '-c', serve]);
    expect(start.exitCode).toBe(0);
    const id = start.stdout.trim();
    const inspected = await execa('docker', [
      'inspect',
      '--format',
      '{{range $name, $network := .NetworkSettings.Networks}}{{$name}} {{$network.IPAddress}}{{end}}',
      `lyceum-${id}`,
    ]);
    const [network, address] = inspected.stdout.trim().split(' ');
    expect(network).toBe(serverEnv.LYCEUM_RUN_NETWORK ?? (await chosenNetwork()));
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // The host reaches the service, so it is up and listening.
    expect(await fetchWithRetries(`http://${address}:8080/`)).toBe('alice-service\n');

    const probe = [
      'import urllib.request',
      'try:',
      `    print(urllib.request.urlopen("http://${address}:8080/", timeout=3).read().decode())`,
      'except Exception:',
      '    print("unreachable")',
    ].join('\n');
    const accounts: Record<string, string>[] = [{ LYCEUM_API_KEY: bob.apiKey }, {}];
    for (const env of accounts) {
      const run = await server.cli(['python', 'run', '--image', PYTHON, '--pull', 'never', probe], {
        env,
      });
      expect(run.exitCode).toBe(0);
      expect(run.stdout.trim()).toBe('unreachable');
    }
    await server.cli(['workloads', 'abort', id]);
    await waitForStatus(server, id);
  });

  it('mounts only the own bucket into Compose runs', async () => {
    await using server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob(['alice data']), 'secret.txt');
    await server.api('/storage/upload?key=secret.txt', { method: 'POST', body: form });
    const bob = await createAccount(server, 'bob');
    const { writeFile } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const composeFile = join(server.dataDir, 'compose.yml');
    await writeFile(
      composeFile,
      `services:\n  lister:\n    image: ${BUSYBOX}\n    command: ["sh", "-c", "ls -a /mnt/s3; echo listed"]\n`,
    );
    const run = await server.cli(
      ['compose', 'run', composeFile, '--enable-s3-mount', '--pull', 'never'],
      {
        env: { LYCEUM_API_KEY: bob.apiKey },
      },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('listed');
    expect(run.stdout).not.toContain('secret.txt');

    // The project is taken down after the run is reported; wait for it before the server stops.
    const { default: Docker } = await import('dockerode');
    const filters = JSON.stringify({ label: ['dev.lyceum.kind=compose'], name: ['-lister-'] });
    const [record] = JSON.parse(
      (await server.cli(['workloads', 'list', '--json'], { env: { LYCEUM_API_KEY: bob.apiKey } }))
        .stdout,
    ) as { execution_id: string }[];
    for (let attempt = 0; attempt < 150; attempt++) {
      const left = (await new Docker().listContainers({ all: true, filters })).filter((container) =>
        container.Names.some((name) => name.includes(record!.execution_id)),
      );
      if (left.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('stops revoked keys and their credentials at once', async () => {
    await using server = await startTestServer();
    const bob = await createAccount(server, 'bob');
    const credentials = await issueCredentials(server, bob.apiKey);
    const s3 = sdkClient(credentials);
    await s3.send(new ListObjectsV2Command({ Bucket: credentials.bucket_name }));

    const revoke = await server.cli([
      'accounts',
      'keys',
      'revoke',
      bob.keyId,
      '--data-dir',
      server.dataDir,
    ]);
    expect(revoke.exitCode).toBe(0);
    expect((await as(server, bob.apiKey)('/storage/list-files')).status).toBe(401);
    await expect(
      s3.send(new ListObjectsV2Command({ Bucket: credentials.bucket_name })),
    ).rejects.toMatchObject({
      name: 'InvalidAccessKeyId',
    });
    expect((await server.api('/storage/list-files')).status).toBe(200);
  });

  it('stops the credentials of a revoked key while others go on', async () => {
    await using server = await startTestServer();
    const bob = await createAccount(server, 'bob');
    const second = await server.cli([
      'accounts',
      'keys',
      'create',
      'bob',
      '--data-dir',
      server.dataDir,
      '--json',
    ]);
    const secondKey = JSON.parse(second.stdout) as { api_key: string };
    const ofRevoked = sdkClient(await issueCredentials(server, bob.apiKey));
    const keptCredentials = await issueCredentials(server, secondKey.api_key);
    const ofKept = sdkClient(keptCredentials);

    const revoke = await server.cli([
      'accounts',
      'keys',
      'revoke',
      bob.keyId,
      '--data-dir',
      server.dataDir,
    ]);
    expect(revoke.exitCode).toBe(0);
    const list = new ListObjectsV2Command({ Bucket: keptCredentials.bucket_name });
    await expect(ofRevoked.send(list)).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
    expect((await ofKept.send(list)).$metadata.httpStatusCode).toBe(200);
  });

  it('stops the S3 access of a Python run when its key is revoked', async () => {
    await using server = await startTestServer();
    const bob = await createAccount(server, 'bob');
    const script = `import os, time, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for attempt in range(60):
    try:
        s3.list_objects_v2(Bucket=os.environ["LYCEUM_S3_BUCKET"])
        print("listed", flush=True)
    except botocore.exceptions.ClientError as error:
        print(error.response["Error"]["Code"], flush=True)
        break
    time.sleep(0.5)
`;
    const start = await server.cli(
      ['python', 'run', '-d', '--image', PYTHON, '--pull', 'never', script],
      { env: { LYCEUM_API_KEY: bob.apiKey } },
    );
    expect(start.exitCode).toBe(0);
    const id = start.stdout.trim();
    // Bob keeps a second key, so only the key that started the run decides. The test reads the
    // run's output file on the server.
    const second = await server.cli([
      ...['accounts', 'keys', 'create', 'bob', '--data-dir', server.dataDir, '--json'],
    ]);
    const { api_key: secondKey } = JSON.parse(second.stdout) as { api_key: string };
    const output = () =>
      readFile(join(server.dataDir, 'runs', `${id}.log`), 'utf8').catch(() => '');
    const waitFor = async (text: string) => {
      for (let attempt = 0; attempt < 150 && !(await output()).includes(text); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await waitFor('listed');

    const revoke = await server.cli([
      'accounts',
      'keys',
      'revoke',
      bob.keyId,
      '--data-dir',
      server.dataDir,
    ]);
    expect(revoke.exitCode).toBe(0);
    await waitFor('InvalidAccessKeyId');
    const lines = (await output()).trim().split('\n');
    expect(lines[0]).toBe('listed');
    expect(lines.at(-1)).toBe('InvalidAccessKeyId');
    // The server removes the run's container once the run ends, which it must do before the test
    // stops the server.
    const status = async () => {
      const response = await server.api(`/execution/streaming/${id}/status`, {
        headers: { authorization: `Bearer ${secondKey}` },
      });
      return ((await response.json()) as { status: string }).status;
    };
    for (let attempt = 0; attempt < 150 && (await status()) === 'running'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await status()).toBe('completed');
  });

  it('logs failed authentications with their source', async () => {
    await using server = await startTestServer();
    for (let attempt = 0; attempt < 3; attempt++) {
      await server.api('/storage/list-files', {
        headers: { authorization: 'Bearer lk_not_a_key' },
      });
    }
    const lines = (await server.log())
      .split('\n')
      .filter((line) => line.includes('invalid API key'));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('"source":"127.0.0.1"');
    expect(lines[2]).toContain('"failures":3');
    expect(lines.join('\n')).not.toContain('lk_not_a_key');
  });

  it('posts callbacks when runs end', async () => {
    await using server = await startTestServer();
    const received: { body: Record<string, unknown>; type: string | undefined }[] = [];
    const receiver = createServer((request: IncomingMessage, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({
          body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          type: request.headers['content-type'],
        });
        response.end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const dead = createServer((_request, response) => {
      response.statusCode = 500;
      response.end();
    });
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook?token=abc`;
      const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`;
      const response = await server.api('/execution/image/start', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          docker_image_ref: BUSYBOX,
          docker_run_cmd: ['sh', '-c', 'exit 7'],
          user_callback_urls: [url, deadUrl],
        }),
      });
      const { execution_id: runId } = (await response.json()) as { execution_id: string };
      const status = await waitForStatus(server, runId);
      expect(status.status).toBe('failed');

      for (let attempt = 0; attempt < 50 && received.length === 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(received).toHaveLength(1);
      expect(received[0]?.type).toBe('application/json');
      expect(received[0]?.body).toEqual({
        execution_id: runId,
        status: 'failed',
        return_code: 7,
        error: null,
        finished_at: status.finished_at,
      });
      const after = await waitForStatus(server, runId);
      expect(after.status).toBe('failed');
      expect(await server.log()).not.toContain('token=abc');
    } finally {
      receiver.close();
      dead.close();
    }
  });

  it('rejects callback URLs that are not http', async () => {
    await using server = await startTestServer();
    const response = await server.api('/execution/image/start', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        docker_image_ref: BUSYBOX,
        user_callback_urls: ['file:///etc/passwd'],
      }),
    });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { detail: string }).detail).toContain('user_callback_urls');
  });
});

/** Returns the network the server picks for runs on this engine when no operator names one. */
async function chosenNetwork(): Promise<string> {
  const bridge = await execa('docker', [
    'network',
    'inspect',
    '--format',
    '{{index .Options "com.docker.network.bridge.enable_icc"}}',
    'bridge',
  ]);
  return bridge.stdout.trim() === 'false' ? 'bridge' : 'lyceum-runs';
}
