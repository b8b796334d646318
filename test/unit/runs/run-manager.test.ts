import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountRegistry, type Account } from '../../../src/accounts/account-registry.js';
import { openDatabase, type SqliteDatabase } from '../../../src/db/database.js';
import { NotFoundError, SystemFailureError } from '../../../src/errors/index.js';
import type {
  ContainerEngine,
  ManagedContainer,
  ManagedContainerSummary,
} from '../../../src/runs/container-engine.js';
import { RunManager } from '../../../src/runs/run-manager.js';
import type { DockerRunSpec } from '../../../src/runs/run-record.js';
import { RunRepository } from '../../../src/runs/run-repository.js';
import type { LaunchContext, LaunchedRun, Runner } from '../../../src/runs/runner.js';

/** A runner whose runs end when the test says so, recording stop requests. */
class ScriptedRunner implements Runner {
  launches: LaunchContext[] = [];
  stops: number[] = [];
  finishes = 0;
  removals = 0;
  private exits: ((code: number) => void)[] = [];
  launchGate: Promise<void> = Promise.resolve();
  launchError: Error | undefined;
  leftoverCalls: string[][] = [];

  async launch(context: LaunchContext): Promise<LaunchedRun> {
    this.launches.push(context);
    await this.launchGate;
    if (this.launchError !== undefined) throw this.launchError;
    context.output.append(Buffer.from('hello\n'));
    return this.launched();
  }

  async resume(context: LaunchContext): Promise<LaunchedRun> {
    this.launches.push(context);
    return this.launched();
  }

  async removeLeftovers(activeRunIds: ReadonlySet<string>): Promise<void> {
    this.leftoverCalls.push([...activeRunIds]);
  }

  exit(code: number): void {
    this.exits.shift()?.(code);
  }

  private launched(): LaunchedRun {
    let exit!: (code: number) => void;
    const exitCode = new Promise<number>((resolve) => (exit = resolve));
    this.exits.push(exit);
    return {
      exitCode,
      outputDone: exitCode.then(() => undefined),
      stop: async (graceSeconds) => {
        this.stops.push(graceSeconds);
        exit(143);
      },
      makeDurable: async () => {
        this.finishes++;
      },
      remove: async () => {
        this.removals++;
      },
    };
  }
}

class EmptyEngine implements ContainerEngine {
  removed: string[] = [];
  containers: ManagedContainerSummary[] = [];
  async ping() {}
  async ensureImage() {}
  async imageUser() {
    return '';
  }
  async create(): Promise<ManagedContainer> {
    throw new Error('not used');
  }
  get(id: string): ManagedContainer {
    return {
      id,
      remove: async () => {
        this.removed.push(id);
      },
    } as ManagedContainer;
  }
  async listManaged() {
    return this.containers;
  }
  async bridgeGateway() {
    return undefined;
  }
  async ensureIsolatedNetwork() {}
  async inspectNetwork() {
    return undefined;
  }
  async watchContainers() {
    return { close: () => undefined };
  }
}

const spec: DockerRunSpec = {
  kind: 'docker',
  image: 'busybox',
  command: undefined,
  env: {},
  enableS3Mount: undefined,
  s3MountPath: undefined,
  timeoutSeconds: 3600,
  pullPolicy: 'never',
  executionType: 'cpu',
  callbackUrls: [],
};

describe('RunManager', () => {
  let db: SqliteDatabase;
  let outputDir: string;
  let runner: ScriptedRunner;
  let engine: EmptyEngine;
  let account: Account;
  let manager: RunManager;

  beforeEach(async () => {
    db = openDatabase(':memory:');
    outputDir = await mkdtemp(join(tmpdir(), 'lyceum-runs-'));
    runner = new ScriptedRunner();
    engine = new EmptyEngine();
    const accounts = new AccountRegistry(db);
    account = accounts.create('alice');
    manager = new RunManager({
      repository: new RunRepository(db),
      accounts,
      engine,
      runners: { docker: runner, compose: undefined, python: undefined },
      outputDir,
      serverId: 'test',
      stopGraceSeconds: 3,
      logger: pino({ level: 'silent' }),
    });
  });

  afterEach(async () => {
    db.close();
    await rm(outputDir, { recursive: true, force: true });
  });

  it('completes a run that exits 0', async () => {
    const record = await manager.start(account, spec, 'job.py');
    expect(record.status).toBe('pending');
    await waitUntil(() => runner.launches.length === 1);
    runner.exit(0);
    const done = await manager.waitForEnd(account.id, record.id);
    expect(done.status).toBe('completed');
    expect(done.returnCode).toBe(0);
    expect(done.fileName).toBe('job.py');
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();
    expect(runner.finishes).toBe(1);
  });

  it('fails a run whose output file cannot be made', async () => {
    await rm(outputDir, { recursive: true });
    // A file in place of the output folder makes every output file fail to open.
    await writeFile(outputDir, 'not a folder');
    await expect(manager.start(account, spec, 'job.py')).rejects.toThrow();
    const [record] = manager.list(account.id);
    expect(record?.status).toBe('system_failure');
    expect(record?.error).toContain("could not create the run's output file");
    expect(runner.launches).toHaveLength(0);
  });

  it('marks a non-zero exit as failed', async () => {
    const record = await manager.start(account, spec, null);
    await waitUntil(() => runner.launches.length === 1);
    runner.exit(3);
    const done = await manager.waitForEnd(account.id, record.id);
    expect(done.status).toBe('failed');
    expect(done.returnCode).toBe(3);
  });

  it('keeps the output after the run', async () => {
    const record = await manager.start(account, spec, null);
    await waitUntil(() => runner.launches.length === 1);
    runner.exit(0);
    await manager.waitForEnd(account.id, record.id);
    const output = await manager.output(account.id, record.id);
    expect(await output.readAll()).toBe('hello\n');
    expect(output.isClosed).toBe(true);
  });

  it('aborts a running run with the grace period', async () => {
    const record = await manager.start(account, spec, null);
    await waitUntil(() => runner.launches.length === 1);
    await waitUntil(() => manager.get(account.id, record.id).status === 'running');
    const aborted = await manager.abort(account.id, record.id);
    expect(aborted.status).toBe('aborted');
    expect(aborted.error).toBe('The run was aborted.');
    expect(runner.stops).toEqual([3]);
  });

  it('aborts a run that is still starting', async () => {
    let release!: () => void;
    runner.launchGate = new Promise((resolve) => (release = resolve));
    const record = await manager.start(account, spec, null);
    await waitUntil(() => runner.launches.length === 1);

    const aborted = await manager.abort(account.id, record.id);
    expect(aborted.status).toBe('aborted');
    expect(aborted.error).toBe('The run was aborted.');
    expect(runner.launches[0]!.stopRequested()).toBe(true);

    release();
    await waitUntil(() => runner.removals === 1);
    expect(runner.stops).toEqual([0]);
  });

  it('times out a run that never starts', async () => {
    runner.launchGate = new Promise(() => undefined);
    const record = await manager.start(account, { ...spec, timeoutSeconds: 0.05 }, null);
    const done = await manager.waitForEnd(account.id, record.id);
    expect(done.status).toBe('timeout');
    expect(done.error).toContain('timeout of 0.05 s before its process started');
  });

  it('stops a run at its timeout', async () => {
    const record = await manager.start(account, { ...spec, timeoutSeconds: 0.05 }, null);
    const done = await manager.waitForEnd(account.id, record.id);
    expect(done.status).toBe('timeout');
    expect(done.error).toContain('timeout of 0.05 s');
  });

  it('records a launch failure as system_failure', async () => {
    runner.launchError = new SystemFailureError('Image "x" is not on this machine.');
    const record = await manager.start(account, spec, null);
    const done = await manager.waitForEnd(account.id, record.id);
    expect(done.status).toBe('system_failure');
    expect(done.error).toBe('Image "x" is not on this machine.');
    expect(done.returnCode).toBeNull();
  });

  it('marks unexpected launch errors as unexpected', async () => {
    runner.launchError = new Error('boom');
    const record = await manager.start(account, spec, null);
    const done = await manager.waitForEnd(account.id, record.id);
    expect(done.status).toBe('system_failure');
    expect(done.error).toContain('Unexpected error while running: boom');
  });

  it('hides runs of other accounts', async () => {
    const record = await manager.start(account, spec, null);
    expect(() => manager.get('acc_other', record.id)).toThrow(NotFoundError);
    expect(manager.list('acc_other')).toEqual([]);
    await expect(manager.abort('acc_other', record.id)).rejects.toThrow(NotFoundError);
    runner.exit(0);
  });

  it('leaves finished runs as they are on abort', async () => {
    const record = await manager.start(account, spec, null);
    await waitUntil(() => runner.launches.length === 1);
    runner.exit(0);
    await manager.waitForEnd(account.id, record.id);
    const after = await manager.abort(account.id, record.id);
    expect(after.status).toBe('completed');
  });

  it('fails runs without a container on recovery', async () => {
    const repository = new RunRepository(db);
    repository.insert({
      id: 'run_lost',
      accountId: account.id,
      kind: 'docker',
      status: 'starting',
      fileName: null,
      spec,
      returnCode: null,
      error: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    });
    await manager.recover();
    const record = manager.get(account.id, 'run_lost');
    expect(record.status).toBe('system_failure');
    expect(record.error).toContain('server stopped before the run started');
  });

  it('removes containers of finished runs on recovery', async () => {
    engine.containers = [{ id: 'c1', labels: { 'dev.lyceum.run-id': 'run_gone' }, running: false }];
    await manager.recover();
    expect(engine.removed).toEqual(['c1']);
  });

  it('removes every container of a finished run', async () => {
    engine.containers = [
      { id: 'web', labels: { 'dev.lyceum.run-id': 'run_gone' }, running: false },
      { id: 'db', labels: { 'dev.lyceum.run-id': 'run_gone' }, running: true },
    ];
    await manager.recover();
    expect(engine.removed).toEqual(['web', 'db']);
  });

  it('asks runners to remove leftovers of inactive runs', async () => {
    new RunRepository(db).insert({
      id: 'run_alive',
      accountId: account.id,
      kind: 'docker',
      status: 'running',
      fileName: null,
      spec,
      returnCode: null,
      error: null,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    });
    engine.containers = [
      { id: 'a', labels: { 'dev.lyceum.run-id': 'run_alive' }, running: true },
      { id: 'b', labels: { 'dev.lyceum.run-id': 'run_alive' }, running: true },
    ];
    await manager.recover();
    expect(runner.leftoverCalls).toEqual([['run_alive']]);
    expect(runner.launches).toHaveLength(1);
    expect(engine.removed).toEqual([]);
  });

  it('resumes runs whose container is alive', async () => {
    const repository = new RunRepository(db);
    repository.insert({
      id: 'run_alive',
      accountId: account.id,
      kind: 'docker',
      status: 'running',
      fileName: null,
      spec,
      returnCode: null,
      error: null,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    });
    engine.containers = [{ id: 'c2', labels: { 'dev.lyceum.run-id': 'run_alive' }, running: true }];
    await manager.recover();
    expect(runner.launches).toHaveLength(1);
    runner.exit(0);
    const done = await manager.waitForEnd(account.id, 'run_alive');
    expect(done.status).toBe('completed');
    expect(engine.removed).toEqual([]);
  });
});

async function waitUntil(condition: () => boolean, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('Condition not met in time.');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
