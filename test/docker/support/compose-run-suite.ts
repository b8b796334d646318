import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { ComposeRelease } from '../global-setup.js';
import { composeAvailable } from './compose-available.js';
import {
  composeProjectResources,
  expectComposeProjectRemoved,
} from './compose-project-resources.js';
import { startTestServer, waitForStatus, type TestServer } from './test-server.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/compose');
const BUSYBOX = 'lyceum-test/busybox:1';

function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** Returns the id of the newest run, which is the one a test just started. */
async function newestRunId(server: TestServer): Promise<string> {
  const runs = (await (await server.api('/workloads/list')).json()) as { execution_id: string }[];
  const [newest] = runs;
  if (newest === undefined) throw new Error('The server has no run.');
  return newest.execution_id;
}

/**
 * Starts a test server that, when disposed, first waits until every run's project is taken down.
 * The take-down follows the report of a run's end. It needs the working files in the test's
 * data directory, which disposal deletes.
 */
async function startComposeServer(env: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({ env });
  const dispose = server[Symbol.asyncDispose];
  server[Symbol.asyncDispose] = async () => {
    const runs = (await (await server.api('/workloads/list')).json()) as { execution_id: string }[];
    for (const run of runs) await expectComposeProjectRemoved(run.execution_id, server.dataDir);
    await dispose();
  };
  return server;
}

async function writeComposeFile(server: TestServer, text: string): Promise<string> {
  const path = join(server.dataDir, 'compose-under-test.yaml');
  await writeFile(path, text);
  return path;
}

async function startCompose(server: TestServer, text: string): Promise<Response> {
  return server.api('/execution/compose/start', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ compose_file_code: text }),
  });
}

/**
 * The Compose run tests, run once with Compose v2 and once with Compose v1. The v1 server gets
 * LYCEUM_COMPOSE_VERSION=v1, and the v2 server finds v2 by itself.
 */
export function describeComposeRuns(release: ComposeRelease): void {
  const serverEnv: Record<string, string> =
    release === 'v1' ? { LYCEUM_COMPOSE_VERSION: 'v1' } : {};
  const start = () => startComposeServer(serverEnv);

  describe.skipIf(!composeAvailable(release))(`lyceum compose run with Compose ${release}`, () => {
    it('shares the bucket between two services', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '--enable-s3-mount',
        fixture('two-services-sharing-the-bucket.yaml'),
      ]);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('writer | wrote');
      expect(run.stdout).toContain('reader | read: hello from writer');

      const listing = await server.cli(['storage', 'ls', 'shared/', '-r']);
      expect(listing.exitCode).toBe(0);
      expect(listing.stdout).toContain('shared/from-writer.txt');
      expect(listing.stdout).toContain('shared/from-reader.txt');
      expect(await readFile(join(server.bucketDir, 'shared', 'from-reader.txt'), 'utf8')).toBe(
        'reader saw: hello from writer\n',
      );
      await expectComposeProjectRemoved(await newestRunId(server), server.dataDir);
    });

    it('mounts nothing without the opt-in', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        fixture('two-services-reporting-mounts.yaml'),
      ]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('first  | mnt-s3=0 data=0 data-dir=0');
      expect(run.stdout).toContain('second | mnt-s3=0 data=0 data-dir=0');
    });

    it('moves the mount with --s3-mount-path', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '--enable-s3-mount',
        '--s3-mount-path',
        '/data',
        fixture('two-services-reporting-mounts.yaml'),
      ]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('first  | mnt-s3=0 data=1 data-dir=1');
      expect(run.stdout).toContain('second | mnt-s3=0 data=1 data-dir=1');
      const files = await readdir(server.bucketDir);
      expect(files.filter((name) => name.endsWith('.txt'))).toHaveLength(2);
    });

    it('ends with the main service and stops the others', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '--main',
        'job',
        fixture('main-service-with-long-running-companion.yaml'),
      ]);
      expect(run.exitCode).toBe(3);
      expect(run.stdout).toContain('database | database ready');
      expect(run.stdout).toContain('job      | job done');
      const id = await newestRunId(server);
      const status = await waitForStatus(server, id);
      expect(status.status).toBe('failed');
      expect(status.return_code).toBe(3);
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('ends with the first failure without a main service', async () => {
      await using server = await start();
      const run = await server.cli(['compose', 'run', fixture('services-exiting-with-codes.yaml')]);
      expect(run.exitCode).toBe(5);
      expect(run.stdout).toContain('success | fine');
    });

    it('keeps device nodes out of the bucket', async () => {
      await using server = await start();
      const file = await writeComposeFile(
        server,
        [
          'services:',
          '  maker:',
          `    image: ${BUSYBOX}`,
          '    command: ["sh", "-c", "mknod /mnt/s3/disk b 8 0 || echo refused"]',
          '',
        ].join('\n'),
      );
      const run = await server.cli(['compose', 'run', '--enable-s3-mount', file]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('refused');
      expect(await readdir(server.bucketDir)).toEqual([]);
    });

    it('lets non-root services write to the mount', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '--enable-s3-mount',
        fixture('non-root-service-writing-to-the-bucket.yaml'),
      ]);
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('app        | 1000');
      expect(run.stdout).toContain('other-user | 2000');
      expect(await readFile(join(server.bucketDir, 'app', 'out.txt'), 'utf8')).toBe('from-app\n');
      expect(await readFile(join(server.bucketDir, 'uid-2000.txt'), 'utf8')).toBe('from-2000\n');
    });

    it('rejects a conflict at the mount path', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '--enable-s3-mount',
        fixture('service-with-volume-at-mount-path.yaml'),
      ]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('Service "cache" already has a volume at /mnt/s3');
      expect(await (await server.api('/workloads/list')).json()).toEqual([]);
    });

    it('runs the conflicting file without the mount', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        fixture('service-with-volume-at-mount-path.yaml'),
      ]);
      expect(run.exitCode).toBe(0);
    });

    it.each([
      ['privileged: true', 'privileged: true [privileged]'],
      ['volumes: ["/etc:/host-etc"]', 'volumes: /etc:/host-etc [bind_mounts]'],
      ['volumes: ["./:/work"]', 'volumes: ./:/work [bind_mounts]'],
      [
        'volumes: ["/var/run/docker.sock:/var/run/docker.sock"]',
        'volumes: /var/run/docker.sock:/var/run/docker.sock [docker_socket]',
      ],
      ['network_mode: host', 'network_mode: host [host_network]'],
      ['pid: host', 'pid: host [host_pid]'],
      ['ipc: host', 'ipc: host [host_ipc]'],
      ['devices: ["/dev/fuse:/dev/fuse"]', 'devices: ["/dev/fuse:/dev/fuse"] [devices]'],
      ['cap_add: [SYS_ADMIN]', 'cap_add: ["SYS_ADMIN"] [cap_add]'],
      [
        'security_opt: ["apparmor:unconfined"]',
        'security_opt: ["apparmor:unconfined"] [security_opt]',
      ],
      [
        'volumes_from: ["container:some-container"]',
        'volumes_from: container:some-container [foreign_containers]',
      ],
    ])('rejects %s before starting', async (setting, message) => {
      await using server = await start();
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n    ${setting}\n`;
      const response = await startCompose(server, text);
      expect(response.status).toBe(400);
      const { detail } = (await response.json()) as { detail: string };
      expect(detail).toContain(`- service "app": ${message}`);
      expect(detail).toContain('LYCEUM_COMPOSE_ALLOW');
      expect(await (await server.api('/workloads/list')).json()).toEqual([]);
    });

    it('runs a key the operator allows', async () => {
      await using server = await startComposeServer({
        ...serverEnv,
        LYCEUM_COMPOSE_ALLOW: 'cap_add',
      });
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n    cap_add: [NET_ADMIN]\n    command: ["true"]\n`;
      const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
    });

    it('names the line of invalid YAML', async () => {
      await using server = await start();
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n   command: [true\n`;
      const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('The Compose file is not valid YAML: line 4');
      expect(await (await server.api('/workloads/list')).json()).toEqual([]);
    });

    it('rejects an unknown main service', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '--main',
        'jobs',
        fixture('main-service-with-long-running-companion.yaml'),
      ]);
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('The main service "jobs" is not in the Compose file');
    });

    it('fails with 125 for a missing image', async () => {
      await using server = await start();
      const text = 'services:\n  app:\n    image: lyceum-test/does-not-exist:1\n';
      const run = await server.cli([
        'compose',
        'run',
        '--pull',
        'never',
        await writeComposeFile(server, text),
      ]);
      expect(run.exitCode).toBe(125);
      expect(run.stderr).toContain('lyceum-test/does-not-exist:1');
      const id = await newestRunId(server);
      expect((await waitForStatus(server, id)).status).toBe('system_failure');
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('fails with 127 for a service command that does not exist', async () => {
      await using server = await start();
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n    command: ["nonexist"]\n`;
      const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
      expect(run.exitCode).toBe(127);
      expect(run.stderr).toContain('"nonexist"');
      const id = await newestRunId(server);
      const status = await waitForStatus(server, id);
      expect(status.status).toBe('failed');
      expect(status.return_code).toBe(127);
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('fails a GPU request the engine cannot serve', async () => {
      await using server = await start();
      const text = [
        'services:',
        '  app:',
        `    image: ${BUSYBOX}`,
        '    command: ["echo", "never"]',
        '    deploy:',
        '      resources:',
        '        reservations:',
        '          devices: [{driver: nvidia, count: all, capabilities: [gpu]}]',
        '',
      ].join('\n');
      const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toContain('asks for a device driver or runtime');
      const id = await newestRunId(server);
      expect((await waitForStatus(server, id)).status).toBe('failed');
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('fails with the exit code of a failed dependency', async () => {
      await using server = await start();
      const text = [
        'services:',
        '  db:',
        `    image: ${BUSYBOX}`,
        '    command: ["sh", "-c", "exit 3"]',
        '  app:',
        `    image: ${BUSYBOX}`,
        '    command: ["echo", "never"]',
        '    depends_on: {db: {condition: service_completed_successfully}}',
        '',
      ].join('\n');
      const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
      expect(run.exitCode).toBe(3);
      expect(run.stderr).toContain('exited with code 3 before the services that depend on it');
      const id = await newestRunId(server);
      expect((await waitForStatus(server, id)).status).toBe('failed');
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('fails a file Compose rejects and removes its files', async () => {
      await using server = await start();
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n    mem_limit: lots\n`;
      const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
      const id = await newestRunId(server);
      const status = await waitForStatus(server, id);
      // Compose v1's "config" accepts this value and only its "up" fails, with the engine's
      // error, so only v2 can tell that the file is at fault.
      if (release === 'v2') {
        expect(run.exitCode).toBe(1);
        expect(run.stderr).toContain('Compose rejected the file');
        expect(status.status).toBe('failed');
        expect(status.error).toContain('mem_limit');
      } else {
        expect(run.exitCode).toBe(125);
        expect(status.status).toBe('system_failure');
      }
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('hides the server environment from the file', async () => {
      await using server = await start();
      process.env.LYCEUM_TEST_SECRET = 'must-not-leak';
      try {
        const text = `services:\n  app:\n    image: ${BUSYBOX}\n    command: ["echo", "secret=[\${LYCEUM_TEST_SECRET}]"]\n`;
        const run = await server.cli(['compose', 'run', await writeComposeFile(server, text)]);
        expect(run.exitCode).toBe(0);
        expect(run.stdout).toBe('app | secret=[]');
        expect(run.stderr).toContain('refers to $LYCEUM_TEST_SECRET, which your shell sets');
      } finally {
        delete process.env.LYCEUM_TEST_SECRET;
      }
    });

    it('removes the project at its timeout', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '-t',
        '2',
        fixture('long-running-project.yaml'),
      ]);
      expect(run.exitCode).toBe(124);
      expect(run.stdout).toContain('web    | web started');
      expect(run.stdout).toContain('worker | worker started');
      const id = await newestRunId(server);
      expect((await waitForStatus(server, id)).status).toBe('timeout');
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('removes the project on abort', async () => {
      await using server = await start();
      const started = await server.cli([
        'compose',
        'run',
        '-d',
        fixture('long-running-project.yaml'),
      ]);
      expect(started.exitCode).toBe(0);
      const id = started.stdout.trim();
      await waitForStatus(server, id, (status) => status === 'running');

      const { containers, networks, volumes } = await composeProjectResources(id);
      expect(containers).toHaveLength(2);
      expect(networks.length).toBeGreaterThan(0);
      expect(volumes).toHaveLength(1);
      const composeVersion = containers[0]?.Labels['com.docker.compose.version'] ?? '';
      expect(composeVersion.startsWith(release === 'v1' ? '1.' : '2.')).toBe(true);
      expect(containers[0]?.Labels['dev.lyceum.run-id']).toBe(id);
      expect(containers[0]?.Labels['dev.lyceum.kind']).toBe('compose');

      const abort = await server.cli(['workloads', 'abort', id]);
      expect(abort.exitCode).toBe(0);
      expect((await waitForStatus(server, id)).status).toBe('aborted');
      await expectComposeProjectRemoved(id, server.dataDir);
      const logs = await server.cli(['compose', 'logs', id]);
      expect(logs.stdout).toContain('web    | web started');
    });

    it('aborts a project that is still starting', async () => {
      await using server = await start();
      // Like "docker compose up -d", a detached run returns only once it has started, so the
      // command goes on while the test aborts the run.
      const detached = server.cli([
        'compose',
        'run',
        '-d',
        fixture('service-waiting-for-a-dependency.yaml'),
      ]);
      let id: string | undefined;
      for (let attempt = 0; attempt < 200; attempt++) {
        id ??= await newestRunId(server).catch(() => undefined);
        if (id !== undefined && (await composeProjectResources(id)).containers.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(id).toBeDefined();
      expect((await waitForStatus(server, id!, () => true)).status).toBe('starting');

      const abort = await server.cli(['workloads', 'abort', id!]);
      expect(abort.exitCode).toBe(0);
      const started = await detached;
      expect(started.stdout.trim()).toBe(id);
      expect(started.exitCode).toBe(0);
      const status = await waitForStatus(server, id!);
      expect(status.status).toBe('aborted');
      expect(status.error).toBe('The run was aborted.');
      await expectComposeProjectRemoved(id!, server.dataDir);
    });

    it('times out while up waits on a dependency', async () => {
      await using server = await start();
      const run = await server.cli([
        'compose',
        'run',
        '-t',
        '2',
        fixture('service-waiting-for-a-dependency.yaml'),
      ]);
      expect(run.exitCode).toBe(124);
      const id = await newestRunId(server);
      const status = await waitForStatus(server, id);
      expect(status.status).toBe('timeout');
      expect(status.error).toContain('exceeded its timeout of 2 s while Compose was starting');
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('follows a project after a server restart', async () => {
      await using server = await start();
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n    command: ["sh", "-c", "echo one; sleep 3; echo two"]\n`;
      const started = await server.cli([
        'compose',
        'run',
        '-d',
        await writeComposeFile(server, text),
      ]);
      const id = started.stdout.trim();
      await waitForStatus(server, id, (status) => status === 'running');
      await server.stop();
      await server.restart();

      const follow = await server.cli(['workloads', 'logs', id, '-f']);
      expect(follow.exitCode).toBe(0);
      expect(follow.stdout).toBe('app | one\napp | two');
      expect((await waitForStatus(server, id)).status).toBe('completed');
      await expectComposeProjectRemoved(id, server.dataDir);
    });

    it('finishes a project that ended while the server was down', async () => {
      await using server = await start();
      const text = `services:\n  app:\n    image: ${BUSYBOX}\n    command: ["sh", "-c", "echo before; sleep 2; exit 5"]\n`;
      const started = await server.cli([
        'compose',
        'run',
        '-d',
        await writeComposeFile(server, text),
      ]);
      const id = started.stdout.trim();
      await waitForStatus(server, id, (status) => status === 'running');
      await server.stop();

      const [container] = (await composeProjectResources(id)).containers;
      const engineContainer = new Docker().getContainer(container!.Id);
      await engineContainer.wait();
      const { State } = await engineContainer.inspect();
      // As if the server had stopped before it saw the run running.
      const db = new Database(join(server.dataDir, 'lyceum.db'));
      try {
        db.prepare("UPDATE runs SET status = 'starting', started_at = NULL WHERE id = ?").run(id);
      } finally {
        db.close();
      }
      await server.restart();
      const status = await waitForStatus(server, id);
      expect(status.status).toBe('failed');
      expect(status.return_code).toBe(5);
      expect(status.started_at).toBe(new Date(State.StartedAt).toISOString());
      expect(status.finished_at).toBe(new Date(State.FinishedAt).toISOString());
      expect((await server.cli(['workloads', 'logs', id])).stdout).toBe('app | before');
      await expectComposeProjectRemoved(id, server.dataDir);
    });
  });
}
