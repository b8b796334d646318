import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../docker/support/test-server.js';

/** The shell script that starts the CLI. It moves NODE_EXTRA_CA_CERTS to LYCEUM_EXTRA_CA_CERTS. */
const WRAPPER = resolve(import.meta.dirname, '../../bin/lyceum');

/** Makes a self-signed certificate with openssl, for 127.0.0.1 by default, and returns its PEM files. */
async function makeCertificate(
  altName = 'IP:127.0.0.1',
): Promise<{ certFile: string; keyFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lyceum-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    `subjectAltName=${altName}`,
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  return { certFile, keyFile };
}

/** Starts a loopback TLS relay in front of the test server's plain HTTP port. */
async function startTlsRelay(server: TestServer, certFile: string, keyFile: string) {
  const target = new URL(server.url);
  const relay = createTlsServer(
    { cert: await readFile(certFile), key: await readFile(keyFile) },
    (client) => {
      const upstream = connect({ port: Number(target.port), host: target.hostname });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    },
  );
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const { port } = relay.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => relay.close(() => resolve())),
  };
}

/** Runs `storage ls` through `command` with only the given variables, so the host's CA file stays out. */
function listThrough(
  command: string[],
  server: TestServer,
  url: string,
  extra: Record<string, string>,
) {
  const [file, ...args] = command;
  return execa(file!, [...args, 'storage', 'ls'], {
    reject: false,
    extendEnv: false,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: server.dataDir,
      LYCEUM_API_URL: url,
      LYCEUM_API_KEY: server.apiKey,
      LYCEUM_CONFIG: join(server.dataDir, 'cli-config.json'),
      ...extra,
    },
  });
}

describe('NODE_EXTRA_CA_CERTS', () => {
  it('trusts the extra certificates through bin/lyceum', async () => {
    await using server = await startTestServer();
    const { certFile, keyFile } = await makeCertificate();
    await using relay = await startTlsRelay(server, certFile, keyFile);

    const listed = await listThrough([WRAPPER], server, relay.url, {
      NODE_EXTRA_CA_CERTS: certFile,
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('trusts them when node starts the CLI itself', async () => {
    await using server = await startTestServer();
    const { certFile, keyFile } = await makeCertificate();
    await using relay = await startTlsRelay(server, certFile, keyFile);

    const listed = await listThrough([process.execPath, `${WRAPPER}.js`], server, relay.url, {
      NODE_EXTRA_CA_CERTS: certFile,
    });
    expect(listed.stderr).toBe('');
    expect(listed.exitCode).toBe(0);
  });

  it('rejects an unknown certificate without them', async () => {
    await using server = await startTestServer();
    const { certFile, keyFile } = await makeCertificate();
    await using relay = await startTlsRelay(server, certFile, keyFile);

    const listed = await listThrough([WRAPPER], server, relay.url, {});
    expect(listed.exitCode).toBe(1);
    expect(listed.stderr).toContain(
      `The lyceum server at ${relay.url} presented a TLS certificate that is not trusted ` +
        '(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate).',
    );
    expect(listed.stderr).toContain("set NODE_EXTRA_CA_CERTS to that CA's PEM file.");
  });

  it('names the file that lacks the CA', async () => {
    await using server = await startTestServer();
    const { certFile, keyFile } = await makeCertificate();
    const other = await makeCertificate();
    await using relay = await startTlsRelay(server, certFile, keyFile);

    const listed = await listThrough([WRAPPER], server, relay.url, {
      NODE_EXTRA_CA_CERTS: other.certFile,
    });
    expect(listed.exitCode).toBe(1);
    expect(listed.stderr).toContain(
      `NODE_EXTRA_CA_CERTS names ${other.certFile}, which does not hold the CA that signed it`,
    );
  });

  it('names a certificate for another host', async () => {
    await using server = await startTestServer();
    const { certFile, keyFile } = await makeCertificate('DNS:lyceum.example');
    await using relay = await startTlsRelay(server, certFile, keyFile);

    const listed = await listThrough([WRAPPER], server, relay.url, {
      NODE_EXTRA_CA_CERTS: certFile,
    });
    expect(listed.exitCode).toBe(1);
    expect(listed.stderr).toContain(
      `The lyceum server at ${relay.url} presented a TLS certificate for another host name`,
    );
    expect(listed.stderr).toContain('use a URL with a host name that the certificate names.');
  });

  it('names an unreadable certificate file', async () => {
    await using server = await startTestServer();
    const { certFile, keyFile } = await makeCertificate();
    await using relay = await startTlsRelay(server, certFile, keyFile);
    const missing = join(server.dataDir, 'no-such-ca.pem');

    const listed = await listThrough([WRAPPER], server, relay.url, {
      NODE_EXTRA_CA_CERTS: missing,
    });
    expect(listed.exitCode).toBe(2);
    expect(listed.stderr).toContain(
      `Cannot read the CA certificates in NODE_EXTRA_CA_CERTS (${missing}): ENOENT. ` +
        'Point it at a readable PEM file, or unset it.',
    );
  });
});

/** Starts `bin/lyceum server` on free loopback ports and returns it once it listens. */
async function startServerThroughScript(words: string[], env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-script-'));
  const child = spawn(WRAPPER, words, {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dataDir,
      DOCKER_HOST: `unix://${join(dataDir, 'no-engine.sock')}`,
      // Settings go in the environment, since `--` makes every later word an operand.
      LYCEUM_HOST: '127.0.0.1',
      LYCEUM_PORT: '0',
      LYCEUM_S3_PORT: '0',
      LYCEUM_DATA_DIR: dataDir,
      ...env,
    },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // The server writes its URL for the local CLI once it listens.
  for (let attempt = 0; ; attempt++) {
    const url = await readFile(join(dataDir, 'local-cli-url'), 'utf8').catch(() => '');
    if (url !== '') break;
    if (child.exitCode !== null || attempt > 300) {
      throw new Error(`bin/lyceum server did not start (exit code ${child.exitCode}).`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    pid: child.pid!,
    [Symbol.asyncDispose]: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe('bin/lyceum server', () => {
  it.each([[['server']], [['--', 'server']]])('keeps NODE_EXTRA_CA_CERTS for %j', async (words) => {
    await using server = await startServerThroughScript(words, {
      NODE_EXTRA_CA_CERTS: '/etc/hostname',
    });
    const environment = (await readFile(`/proc/${server.pid}/environ`, 'utf8')).split('\0');
    expect(environment).toContain('NODE_EXTRA_CA_CERTS=/etc/hostname');
    expect(environment.some((entry) => entry.startsWith('LYCEUM_EXTRA_CA_CERTS='))).toBe(false);
  });
});
