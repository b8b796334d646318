import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerAvailable } from './support/docker-available.js';
import { startTestServer, waitForStatus } from './support/test-server.js';

const BUSYBOX = 'lyceum-test/busybox:1';
const NONROOT = 'lyceum-test/busybox-nonroot:1';

describe.skipIf(!dockerAvailable)('lyceum docker run', () => {
  it('runs the main job end to end', async () => {
    await using server = await startTestServer();
    const input = join(server.dataDir, 'input.csv');
    await writeFile(input, 'x,y\n1,2\n3,4\n');

    const load = await server.cli(['storage', 'load', input, '--key', 'data/input.csv']);
    expect(load.exitCode).toBe(0);

    const run = await server.cli([
      'docker',
      'run',
      BUSYBOX,
      '-c',
      'mkdir -p /mnt/s3/results && wc -l < /mnt/s3/data/input.csv > /mnt/s3/results/count.txt && echo counted',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('counted');

    const output = join(server.dataDir, 'count.txt');
    const download = await server.cli(['storage', 'download', 'results/count.txt', '-o', output]);
    expect(download.exitCode).toBe(0);
    expect((await readFile(output, 'utf8')).trim()).toBe('3');
  });

  it('mounts the bucket at /mnt/s3 by default', async () => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', BUSYBOX, '-c', 'grep " /mnt/s3 " /proc/mounts']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('/mnt/s3');
  });

  it('keeps device nodes out of the bucket', async () => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', BUSYBOX, '-c', 'mknod /mnt/s3/disk b 8 0']);
    expect(run.exitCode).not.toBe(0);
    expect(run.stdout).toContain('Operation not permitted');
    const fifo = await server.cli(['docker', 'run', BUSYBOX, '-c', 'mkfifo /mnt/s3/pipe']);
    expect(fifo.exitCode).toBe(0);
    const download = await server.cli([
      'storage',
      'download',
      'pipe',
      '-o',
      join(server.dataDir, 'pipe.out'),
    ]);
    expect(download.exitCode).toBe(1);
    expect(download.stderr).toContain('"pipe" not found');
  });

  it('leaves no mount with --no-s3', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      '--no-s3',
      BUSYBOX,
      '-c',
      'cat /proc/mounts; ls /mnt',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).not.toContain('/mnt/s3');
    expect(run.stdout).not.toContain(server.dataDir);
  });

  it('moves the mount with --s3-mount-path', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      '--s3-mount-path',
      '/data',
      BUSYBOX,
      '-c',
      'echo hello > /data/moved.txt && grep -c " /mnt/s3 " /proc/mounts || true',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe('0');
    expect(await readFile(join(server.bucketDir, 'moved.txt'), 'utf8')).toBe('hello\n');
  });

  it('rejects an invalid mount path before creating anything', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      '--s3-mount-path',
      '/etc/x',
      BUSYBOX,
      '-c',
      'true',
    ]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('/etc/x');
    const runs = await (await server.api('/workloads/list')).json();
    expect(runs).toEqual([]);
  });

  it.each([
    [0, 'exit 0'],
    [3, 'exit 3'],
    // PID 1 ignores signals it has no handler for, so a child shell is killed and its 137 passed on.
    [137, 'sh -c "kill -9 \\$\\$"; exit $?'],
  ])('passes exit code %i through', async (code, command) => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', BUSYBOX, '-c', command]);
    expect(run.exitCode).toBe(code);
  });

  it('leaves options after the command to it', async () => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', BUSYBOX, '--no-s3', 'echo', '-d', '-t', '5']);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe('-d -t 5');
  });

  it('takes raw sockets from the container', async () => {
    await using server = await startTestServer();
    const command = "echo $(( 0x$(awk '/CapBnd/ {print $2}' /proc/self/status) & 0x2000 ))";
    const run = await server.cli(['docker', 'run', BUSYBOX, '--no-s3', '-c', command]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe('0');
  });

  it('lists runs with their image', async () => {
    await using server = await startTestServer();
    await server.cli(['docker', 'run', BUSYBOX, '--no-s3', 'true']);
    await server.cli(['docker', 'run', BUSYBOX, '--no-s3', 'true']);
    const list = await server.cli(['workloads', 'list', '--limit', '1']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout.split('\n')).toHaveLength(2);
    expect(list.stdout).toContain(BUSYBOX);
    const json = await server.cli(['workloads', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ image: BUSYBOX }),
      expect.objectContaining({ image: BUSYBOX }),
    ]);
    const zero = await server.cli(['workloads', 'list', '--limit', '0']);
    expect(zero.exitCode).toBe(2);
    expect(zero.stderr).toContain('--limit "0" is not a count');
  });

  it('records failed runs with their exit code', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'exit 3']);
    const id = start.stdout.trim();
    const status = await waitForStatus(server, id);
    expect(status.status).toBe('failed');
    expect(status.return_code).toBe(3);
    const abort = await server.cli(['workloads', 'abort', id]);
    expect(abort.exitCode).toBe(0);
    expect(abort.stdout).toContain('had already ended as failed; nothing to abort');
  });

  it('lets a non-root container user write to the mount', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      NONROOT,
      '-c',
      'id -u && mkdir -p /mnt/s3/app && echo from-app > /mnt/s3/app/out.txt && cat /mnt/s3/app/out.txt',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('1000');
    expect(run.stdout).toContain('from-app');
    const listing = await (await server.api('/storage/list-files?prefix=app/')).json();
    expect(listing).toHaveLength(1);
  });

  it('lets a non-root user change files the API wrote', async () => {
    await using server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob(['v1']), 'shared.txt');
    expect((await server.api('/storage/upload', { method: 'POST', body: form })).status).toBe(200);
    const run = await server.cli([
      'docker',
      'run',
      NONROOT,
      '-c',
      'echo v2 > /mnt/s3/shared.txt && rm /mnt/s3/shared.txt && echo ok',
    ]);
    expect(run.stdout).toContain('ok');
    expect(run.exitCode).toBe(0);
  });

  it('fails with 125 for a missing image under --pull never', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      '--pull',
      'never',
      'lyceum-test/does-not-exist:1',
      '-c',
      'true',
    ]);
    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain('lyceum-test/does-not-exist:1');
    const [record] = (await (await server.api('/workloads/list')).json()) as { status: string }[];
    expect(record?.status).toBe('system_failure');
  });

  it('fails a detached run that cannot start', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      '-d',
      '--pull',
      'never',
      'lyceum-test/does-not-exist:1',
      '-c',
      'true',
    ]);
    expect(run.exitCode).toBe(125);
    expect(run.stdout).toMatch(/^run_\w+$/);
    expect(run.stderr).toContain('ended as system_failure');
    expect(run.stderr).toContain('lyceum-test/does-not-exist:1');
  });

  it('names a run network that the engine does not have', async () => {
    await using server = await startTestServer({
      env: { LYCEUM_RUN_NETWORK: 'lyceum-test-no-such-network' },
    });
    const run = await server.cli(['docker', 'run', BUSYBOX, '-c', 'true']);
    expect(run.exitCode).toBe(125);
    expect(run.stderr).toContain('LYCEUM_RUN_NETWORK');
    expect(run.stderr).toContain('lyceum-test-no-such-network');
  });

  it('exits quietly when stdout closes early', async () => {
    await using server = await startTestServer();
    const piped = await server.shell(
      `lyceum docker run ${BUSYBOX} -c 'echo a; sleep 1; echo b' | head -1; echo "\${PIPESTATUS[0]}"`,
    );
    expect(piped.stdout.split('\n')).toEqual(['a', '141']);
    expect(piped.stderr).toBe('');
    // The run goes on after the CLI stops following it. Its container is removed only when it
    // ends, so the test waits for that before it stops the server.
    const [run] = (await (await server.api('/workloads/list')).json()) as {
      execution_id: string;
    }[];
    expect((await waitForStatus(server, run!.execution_id)).status).toBe('completed');
  });

  it('returns a detached run once it runs', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'sleep 30']);
    expect(start.exitCode).toBe(0);
    const id = start.stdout.trim();
    const status = (await (await server.api(`/execution/streaming/${id}/status`)).json()) as {
      status: string;
    };
    expect(status.status).toBe('running');
    await server.cli(['workloads', 'abort', id]);
  });

  it('serves stored output byte for byte', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      BUSYBOX,
      '-c',
      "printf '\\377\\376\\000\\001'",
    ]);
    const id = start.stdout.trim();
    await waitForStatus(server, id);
    const response = await server.api(`/execution/streaming/${id}/output`);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(
      Buffer.from([0xff, 0xfe, 0x00, 0x01]),
    );
  });

  it('fails with 127 for a missing command', async () => {
    await using server = await startTestServer();
    const run = await server.cli(['docker', 'run', BUSYBOX, '--', 'no-such-command']);
    expect(run.exitCode).toBe(127);
    const [record] = (await (await server.api('/workloads/list')).json()) as { status: string }[];
    expect(record?.status).toBe('failed');
  });

  it('passes arguments after -- and environment variables', async () => {
    await using server = await startTestServer();
    const run = await server.cli(
      [
        'docker',
        'run',
        '-e',
        'GREETING=hello world',
        '-e',
        'FROM_HERE',
        BUSYBOX,
        '--',
        'sh',
        '-c',
        'echo "$GREETING/$FROM_HERE/$0"',
        'arg0',
      ],
      { env: { FROM_HERE: 'copied' } },
    );
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe('hello world/copied/arg0');
  });

  it('stops a run at its timeout', async () => {
    await using server = await startTestServer();
    const run = await server.cli([
      'docker',
      'run',
      '-t',
      '1',
      BUSYBOX,
      '-c',
      'echo started; sleep 60',
    ]);
    expect(run.exitCode).toBe(124);
    expect(run.stdout).toContain('started');
    expect(run.stderr).toContain('timeout');
    const [record] = (await (await server.api('/workloads/list')).json()) as { status: string }[];
    expect(record?.status).toBe('timeout');
  });

  it('aborts a detached run', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      BUSYBOX,
      '-c',
      'echo waiting; sleep 60',
    ]);
    expect(start.exitCode).toBe(0);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');

    const abort = await server.cli(['workloads', 'abort', id]);
    expect(abort.exitCode).toBe(0);
    expect(abort.stdout).toContain('aborted');
    const status = await waitForStatus(server, id);
    expect(status.status).toBe('aborted');

    const logs = await server.cli(['workloads', 'logs', id]);
    expect(logs.stdout).toContain('waiting');
  });

  it('streams a detached run with docker logs', async () => {
    await using server = await startTestServer();
    const start = await server.cli([
      'docker',
      'run',
      '-d',
      BUSYBOX,
      '-c',
      'for i in 1 2 3; do echo line$i; sleep 0.2; done; exit 4',
    ]);
    const id = start.stdout.trim();
    const logs = await server.cli(['docker', 'logs', id]);
    expect(logs.stdout).toBe('line1\nline2\nline3');
    expect(logs.exitCode).toBe(4);
    const follow = await server.cli(['workloads', 'logs', id, '-f']);
    expect(follow.stdout).toBe('line1\nline2\nline3');
  });

  it('removes finished containers and labels them', async () => {
    await using server = await startTestServer();
    const start = await server.cli(['docker', 'run', '-d', BUSYBOX, '-c', 'sleep 30']);
    const id = start.stdout.trim();
    await waitForStatus(server, id, (status) => status === 'running');
    const { default: Docker } = await import('dockerode');
    const docker = new Docker();
    const running = await docker.listContainers({
      filters: JSON.stringify({ label: [`dev.lyceum.run-id=${id}`] }),
    });
    expect(running).toHaveLength(1);
    expect(running[0]?.Labels['dev.lyceum.account-id']).toMatch(/^acc_/);
    expect(running[0]?.Mounts.map((mount) => mount.Destination)).toEqual(['/mnt/s3']);

    await server.cli(['workloads', 'abort', id]);
    const left = await docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: [`dev.lyceum.run-id=${id}`] }),
    });
    expect(left).toHaveLength(0);
  });
});
