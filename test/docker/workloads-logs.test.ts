import { describe, expect, it } from 'vitest';
import { dockerAvailable } from './support/docker-available.js';
import { startTestServer, waitForStatus } from './support/test-server.js';

const BUSYBOX = 'lyceum-test/busybox:1';

describe.skipIf(!dockerAvailable)('lyceum workloads logs', () => {
  it('reports a system failure without output', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      '--pull',
      'never',
      'lyceum-test/does-not-exist:1',
      '-c',
      'true',
    ]);
    const id = start.stdout.trim();
    expect((await waitForStatus(server, id)).status).toBe('system_failure');

    const logs = await server.cli(['workloads', 'logs', id]);
    const follow = await server.cli(['workloads', 'logs', id, '-f']);

    expect(logs.exitCode).toBe(125);
    expect(logs.stdout).toBe('');
    expect(logs.stderr).toContain(`Run ${id} ended as system_failure: `);
    expect(logs.stderr).toContain('lyceum-test/does-not-exist:1');
    expect(follow.exitCode).toBe(125);
    expect(logs.stderr).toBe(follow.stderr);
  });

  it('exits quietly when stdout closes early', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      BUSYBOX,
      '--no-s3',
      '-c',
      'seq 1 200000',
    ]);
    const id = start.stdout.trim();
    expect((await waitForStatus(server, id)).status).toBe('completed');

    const piped = await server.shell(
      'lyceum workloads logs "$1" | head -1; echo "${PIPESTATUS[0]}"',
      [id],
    );
    expect(piped.stdout.split('\n')).toEqual(['1', '141']);
    expect(piped.stderr).toBe('');
  });

  it('reports a failed write of an ended run', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '--no-s3', '-c', 'echo done']);
    const id = start.stdout.trim();
    expect((await waitForStatus(server, id)).status).toBe('completed');

    const full = await server.shell('lyceum workloads logs "$1" -f > /dev/full', [id]);
    expect(full.exitCode).toBe(1);
    expect(full.stderr).toContain("Writing the run's output to stdout failed (ENOSPC");
    expect(full.stderr).toContain(
      'the CLI stopped following the run, and the run itself is not affected.',
    );

    const stored = await server.shell('lyceum workloads logs "$1" > /dev/full', [id]);
    expect(stored.exitCode).toBe(1);
    expect(stored.stderr).toContain("Writing the run's output to stdout failed (ENOSPC");
  });

  it('limits the run streams one account holds open', async () => {
    await using server = await startTestServer({ env: { LYCEUM_MAX_STREAMS_PER_ACCOUNT: '2' } });
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '--no-s3', '-c', 'sleep 30']);
    const id = start.stdout.trim();
    const follow = () => {
      const stop = new AbortController();
      const response = server.api(`/execution/streaming/${id}`, { signal: stop.signal });
      return { response, stop };
    };

    const first = follow();
    const second = follow();
    expect((await first.response).status).toBe(200);
    expect((await second.response).status).toBe(200);
    const third = await follow().response;
    expect(third.status).toBe(429);
    expect(((await third.json()) as { detail: string }).detail).toContain(
      'follows 2 run streams already',
    );

    // A run started in the foreground goes on when its stream is rejected, and the CLI reports it.
    const foreground = await server.cli(['docker', 'run', BUSYBOX, '--no-s3', '-c', 'echo hi']);
    expect(foreground.exitCode).toBe(1);
    expect(foreground.stderr).toContain('follows 2 run streams already');
    const started =
      /Run (run_\w+) goes on without it; follow it later with "lyceum workloads logs \1 -f"/.exec(
        foreground.stderr,
      );
    expect(started).not.toBeNull();
    expect((await waitForStatus(server, started![1]!)).status).toBe('completed');

    first.stop.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const fourth = follow();
    expect((await fourth.response).status).toBe(200);
    second.stop.abort();
    fourth.stop.abort();
    await server.cli(['workloads', 'abort', id]);
    await waitForStatus(server, id);
  });

  it('exits with the code of an ended run', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'echo partial; exit 4']);
    const id = start.stdout.trim();
    await waitForStatus(server, id);

    const logs = await server.cli(['workloads', 'logs', id]);

    expect(logs.exitCode).toBe(4);
    expect(logs.stdout).toBe('partial');
    expect(logs.stderr).toBe('');
  });

  it('exits 0 for a run still going', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'sleep 60']);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');

    const logs = await server.cli(['workloads', 'logs', id]);
    await server.cli(['workloads', 'abort', id]);

    expect(logs.exitCode).toBe(0);
    expect(logs.stderr).toBe('');
  });
});
