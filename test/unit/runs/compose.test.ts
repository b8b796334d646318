import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ComposeFileRejectedError, SystemFailureError } from '../../../src/errors/index.js';
import type { ComposeCli, ComposeProjectFiles } from '../../../src/runs/compose-cli.js';
import { ComposeRunner } from '../../../src/runs/compose.js';
import type { OutputLog } from '../../../src/runs/output-log.js';
import type { ComposeRunSpec, RunRecord } from '../../../src/runs/run-record.js';
import type { LaunchContext } from '../../../src/runs/runner.js';
import type { ObjectStore } from '../../../src/storage/object-store.js';
import { FakeEngine } from './support/fake-engine.js';

const FILE = [
  'services:',
  '  db:',
  '    image: postgres:16 # the database',
  '  job:',
  '    image: busybox',
  '  report:',
  '    image: busybox',
  '',
].join('\n');

/** Records the Compose commands, and on `up` creates the project's containers in the engine. */
class FakeCli implements ComposeCli {
  readonly description = 'fake compose';
  calls: string[] = [];
  upError: Error | undefined;
  /** When set, `up` waits until its signal aborts, as for a dependency that never gets ready. */
  upHangs = false;
  /** What `findFileProblem` reports, as Compose's complaint about the file. */
  fileProblem: string | undefined;

  constructor(private readonly engine: FakeEngine) {}

  async up(project: ComposeProjectFiles, signal?: AbortSignal): Promise<void> {
    this.calls.push(`up ${project.name}`);
    if (this.upError !== undefined) throw this.upError;
    if (this.upHangs) {
      await new Promise((_resolve, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('up was canceled'))),
      );
    }
    const override = parse(await readFile(project.files[1] ?? '', 'utf8')) as {
      services: Record<string, { labels: Record<string, string> }>;
    };
    for (const [service, { labels }] of Object.entries(override.services)) {
      const container = this.engine.add(`${project.name}-${service}`, {
        ...labels,
        'com.docker.compose.service': service,
      });
      container.announceCreate();
      container.announceStart();
    }
  }

  async findFileProblem(project: ComposeProjectFiles): Promise<string | undefined> {
    this.calls.push(`config ${project.name}`);
    return this.fileProblem;
  }

  async down(project: ComposeProjectFiles, graceSeconds: number): Promise<void> {
    this.calls.push(`down ${project.name} ${graceSeconds}`);
  }
}

function spec(overrides: Partial<ComposeRunSpec> = {}): ComposeRunSpec {
  return {
    kind: 'compose',
    composeFile: FILE,
    mainService: undefined,
    enableS3Mount: true,
    s3MountPath: undefined,
    timeoutSeconds: 60,
    pullPolicy: 'never',
    executionType: 'cpu',
    callbackUrls: [],
    ...overrides,
  };
}

describe('ComposeRunner', () => {
  let workDir: string;
  let engine: FakeEngine;
  let cli: FakeCli;
  let runner: ComposeRunner;
  let output: string[];

  let stopRequested = false;
  const context = (runSpec: ComposeRunSpec): LaunchContext => ({
    run: { id: 'run_abc', spec: runSpec } as RunRecord,
    account: { id: 'acc_1', name: 'default', bucketName: 'lyceum-default', createdAt: '' },
    output: { append: (chunk: Buffer) => output.push(chunk.toString()) } as unknown as OutputLog,
    stopRequested: () => stopRequested,
  });
  const projectDir = () => join(workDir, 'run_abc');

  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'lyceum-compose-'));
    engine = new FakeEngine();
    cli = new FakeCli(engine);
    output = [];
    stopRequested = false;
    const store = { mountSource: async (bucket: string) => `/srv/buckets/${bucket}` };
    runner = new ComposeRunner({
      engine,
      store: store as unknown as ObjectStore,
      serverId: 'server1',
      composeCli: async () => cli,
      workDir,
      allowances: [],
      variables: { PATH: '/usr/bin' },
      stopGraceSeconds: 2,
      logger: pino({ level: 'silent' }),
    });
  });

  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('checks each image once under the pull policy', async () => {
    await runner.launch(context(spec()));
    expect(engine.ensured).toEqual([
      ['postgres:16', 'never'],
      ['busybox', 'never'],
    ]);
  });

  it('checks images mounted as volumes under the pull policy', async () => {
    const composeFile =
      'services:\n  app:\n    image: busybox\n    volumes:\n' +
      '      - {type: image, source: "weights:1", target: /w}\n';
    await runner.launch(context(spec({ composeFile, enableS3Mount: false })));
    expect(engine.ensured).toEqual([
      ['busybox', 'never'],
      ['weights:1', 'never'],
    ]);
  });

  it('writes the Compose file unchanged', async () => {
    await runner.launch(context(spec()));
    expect(await readFile(join(projectDir(), 'compose.yaml'), 'utf8')).toBe(FILE);
    expect(cli.calls).toEqual(['up lyceum-run_abc']);
  });

  it('labels and mounts every service in the override', async () => {
    await runner.launch(context(spec({ s3MountPath: '/data' })));
    const override = parse(await readFile(join(projectDir(), 'lyceum-override.yaml'), 'utf8'));
    const service = {
      labels: {
        'dev.lyceum.managed': 'true',
        'dev.lyceum.server': 'server1',
        'dev.lyceum.run-id': 'run_abc',
        'dev.lyceum.account-id': 'acc_1',
        'dev.lyceum.kind': 'compose',
      },
      pull_policy: 'never',
      cap_drop: ['NET_RAW', 'MKNOD'],
      volumes: [{ type: 'bind', source: '/srv/buckets/lyceum-default', target: '/data' }],
    };
    expect(override).toEqual({ services: { db: service, job: service, report: service } });
  });

  it('mounts nothing without the opt-in', async () => {
    await runner.launch(context(spec({ enableS3Mount: undefined })));
    const override = await readFile(join(projectDir(), 'lyceum-override.yaml'), 'utf8');
    expect(override).not.toContain('volumes');
    const services = (parse(override) as { services: Record<string, { cap_drop: string[] }> })
      .services;
    expect(Object.values(services).map((service) => service.cap_drop)).toEqual([
      ['NET_RAW'],
      ['NET_RAW'],
      ['NET_RAW'],
    ]);
  });

  it('stops the others when the main service exits', async () => {
    const launched = await runner.launch(context(spec({ mainService: 'job' })));
    const [db, job, report] = engine.containers;
    job?.print('done\n');
    job?.exit(3);
    expect(await launched.exitCode).toBe(3);
    await launched.outputDone;
    expect(db?.stops).toEqual([2]);
    expect(report?.stops).toEqual([2]);
    expect(output).toEqual(['job    | done\n']);
  });

  it('stops every container on request', async () => {
    const launched = await runner.launch(context(spec()));
    await launched.stop(5);
    expect(engine.containers.map((container) => container.stops)).toEqual([[5], [5], [5]]);
    expect(await launched.exitCode).toBe(137);
  });

  it('takes the project down once, with its files', async () => {
    const launched = await runner.launch(context(spec()));
    await Promise.all([launched.remove(), launched.remove()]);
    expect(cli.calls).toEqual(['up lyceum-run_abc', 'down lyceum-run_abc 2']);
    expect(existsSync(projectDir())).toBe(false);
  });

  it('takes the project down when up fails', async () => {
    cli.upError = new SystemFailureError('port is already allocated');
    await expect(runner.launch(context(spec()))).rejects.toThrow('port is already allocated');
    expect(cli.calls).toEqual([
      'up lyceum-run_abc',
      'config lyceum-run_abc',
      'down lyceum-run_abc 2',
    ]);
    expect(existsSync(projectDir())).toBe(false);
  });

  it('blames the file when Compose rejects it', async () => {
    cli.upError = new SystemFailureError('"docker compose up" failed');
    cli.fileProblem = 'services.app.mem_limit must be a size';
    const launch = runner.launch(context(spec()));
    await expect(launch).rejects.toThrow(ComposeFileRejectedError);
    await expect(launch).rejects.toThrow(
      'Compose rejected the file: services.app.mem_limit must be a size\nFix the file',
    );
  });

  it('cancels up when the run is aborted', async () => {
    cli.upHangs = true;
    const launch = runner.launch(context(spec()));
    stopRequested = true;
    await expect(launch).rejects.toThrow('up was canceled');
    expect(cli.calls).toEqual(['up lyceum-run_abc', 'down lyceum-run_abc 2']);
    expect(engine.subscriberCount).toBe(0);
  });

  it('writes nothing when an image is missing', async () => {
    engine.missingImage = 'busybox';
    await expect(runner.launch(context(spec()))).rejects.toThrow('No such image: busybox');
    expect(cli.calls).toEqual([]);
    expect(existsSync(projectDir())).toBe(false);
  });

  it('resumes a project without starting it', async () => {
    await runner.launch(context(spec({ mainService: 'job' })));
    cli.calls = [];
    const resumed = await runner.resume(context(spec({ mainService: 'job' })));
    engine.containers[1]?.exit(0);
    expect(await resumed.exitCode).toBe(0);
    expect(cli.calls).toEqual([]);
  });

  it('takes down leftover projects of inactive runs', async () => {
    await runner.launch(context(spec()));
    await runner.removeLeftovers(new Set(['run_abc']));
    expect(cli.calls).toEqual(['up lyceum-run_abc']);
    await runner.removeLeftovers(new Set());
    expect(cli.calls).toEqual(['up lyceum-run_abc', 'down lyceum-run_abc 2']);
    expect(existsSync(projectDir())).toBe(false);
  });
});
