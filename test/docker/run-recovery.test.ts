import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { dockerAvailable } from './support/docker-available.js';
import { startTestServer, waitForStatus } from './support/test-server.js';

const BUSYBOX = 'lyceum-test/busybox:1';

async function containersOf(runId: string) {
  return new Docker().listContainers({
    all: true,
    filters: JSON.stringify({ label: [`dev.lyceum.run-id=${runId}`] }),
  });
}

/** Waits until the run's containers are gone; removal follows the report of the run's end. */
async function expectContainersRemoved(runId: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await containersOf(runId)).length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(await containersOf(runId)).toHaveLength(0);
}

describe.skipIf(!dockerAvailable)('server restart', () => {
  it('finishes runs that ended while it was down', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      BUSYBOX,
      '-c',
      'echo before; sleep 2; echo after; exit 5',
    ]);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');
    await server.stop();

    const container = new Docker().getContainer((await containersOf(id))[0]!.Id);
    await container.wait();
    const exitedAt = new Date((await container.inspect()).State.FinishedAt).toISOString();
    await server.restart();

    const status = await waitForStatus(server, id);
    expect(status.status).toBe('failed');
    expect(status.return_code).toBe(5);
    expect(status.finished_at).toBe(exitedAt);
    const logs = await server.cli(['workloads', 'logs', id]);
    expect(logs.stdout).toBe('before\nafter');
    await expectContainersRemoved(id);
  });

  it('fails a run whose container never started', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'sleep 30']);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');
    await server.stop();

    // Stands in for a server that stopped between creating the container and starting it.
    const docker = new Docker();
    const original = docker.getContainer((await containersOf(id))[0]!.Id);
    const { Config } = await original.inspect();
    await original.remove({ force: true });
    await docker.createContainer({ Image: BUSYBOX, Cmd: ['true'], Labels: Config.Labels });
    await server.restart();

    const status = await waitForStatus(server, id);
    expect(status.status).toBe('system_failure');
    expect(status.return_code).toBeNull();
    expect(status.error).toContain('server stopped before the run started');
    await expectContainersRemoved(id);
  });

  it('follows runs that are still going', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      BUSYBOX,
      '-c',
      'echo one; sleep 3; echo two',
    ]);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');
    await server.stop();
    await server.restart();

    const follow = await server.cli(['workloads', 'logs', id, '-f']);
    expect(follow.exitCode).toBe(0);
    expect(follow.stdout).toBe('one\ntwo');
    const status = await waitForStatus(server, id);
    expect(status.status).toBe('completed');
    await expectContainersRemoved(id);
  });

  it('keeps run records across a restart', async () => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', BUSYBOX, '-c', 'echo kept']);
    expect(run.exitCode).toBe(0);
    await server.restart();
    const list = await server.cli(['workloads', 'list', '--json']);
    const runs = JSON.parse(list.stdout) as { status: string }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]?.status).toBe('completed');
  });

  it('removes leftover containers it labelled', async () => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'sleep 60']);
    const id = run.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');
    await server.cli(['workloads', 'abort', id]);
    const docker = new Docker();
    const { readFile } = await import('node:fs/promises');
    const serverId = (await readFile(`${server.dataDir}/server-id`, 'utf8')).trim();
    const orphan = await docker.createContainer({
      Image: BUSYBOX,
      Cmd: ['sleep', '60'],
      Labels: {
        'dev.lyceum.managed': 'true',
        'dev.lyceum.server': serverId,
        'dev.lyceum.run-id': id,
      },
    });
    await server.restart();
    await expect(orphan.inspect()).rejects.toThrow();
  });
});

describe('server restart while the CLI follows', () => {
  it('follows the run again once the server is back', async () => {
    await using server = await startTestServer();
    const following = server.cli([
      'docker',
      'run',
      BUSYBOX,
      '-c',
      'echo one; sleep 4; echo two; exit 6',
    ]);
    let id: string | undefined;
    for (let attempt = 0; attempt < 300 && id === undefined; attempt++) {
      const runs = (await (await server.api('/workloads/list')).json()) as {
        execution_id: string;
        status: string;
      }[];
      id = runs.find((run) => run.status === 'running')?.execution_id;
      if (id === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(id).toBeDefined();

    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await server.restart();
    const result = await following;
    expect(result.stderr).toContain(`following run ${id} again once the server is back`);
    expect(result.stderr).not.toContain('Unexpected error');
    expect(result.stdout).toBe('one\ntwo');
    expect(result.exitCode).toBe(6);
  });
});

describe('unreachable engine', () => {
  it('names DOCKER_HOST in the run error', async () => {
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///tmp/lyceum-no-engine.sock';
    try {
      const { DockerEngine } = await import('../../src/runs/docker-engine.js');
      await using server = await startTestServer({ engine: new DockerEngine() });
      const run = await server.cli(['docker', 'run', BUSYBOX, '-c', 'true']);
      expect(run.exitCode).toBe(125);
      expect(run.stderr).toContain('DOCKER_HOST=unix:///tmp/lyceum-no-engine.sock');
      expect(run.stderr).toContain('start it');
      expect(await server.log()).toContain('Found no Docker bridge gateway');
    } finally {
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
    }
  });
});
