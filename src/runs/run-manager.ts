import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Account, AccountRegistry } from '../accounts/account-registry.js';
import {
  CommandNotRunnableError,
  ComposeStartFailedError,
  ComposeFileRejectedError,
  LyceumError,
  NotFoundError,
  RunTimedOutError,
} from '../errors/index.js';
import type { ContainerEngine, ManagedContainerSummary } from './container-engine.js';
import { LABEL_RUN_ID, LABEL_SERVER } from './labels.js';
import { OutputLog } from './output-log.js';
import { notifyCallbacks } from './run-callbacks.js';
import { isTerminal, type RunRecord, type RunSpec, type RunStatus } from './run-record.js';
import type { RunRepository, RunSummary } from './run-repository.js';
import {
  NEVER_STARTED_MESSAGE,
  type LaunchContext,
  type LaunchedRun,
  type Runner,
} from './runner.js';

export interface RunManagerOptions {
  repository: RunRepository;
  accounts: AccountRegistry;
  engine: ContainerEngine;
  runners: Record<RunRecord['kind'], Runner | undefined>;
  outputDir: string;
  serverId: string;
  stopGraceSeconds: number;
  logger: Logger;
  now?: () => Date;
}

type StopReason = 'timeout' | 'aborted';

interface ActiveRun {
  output: OutputLog;
  stopReason: StopReason | undefined;
  launched: LaunchedRun | undefined;
  /** Resolves once the record contains the final status, while cleanup may still be going on. */
  recorded: Promise<void>;
  reported: () => void;
  /** Resolves once the run is recorded and its containers are removed. */
  done: Promise<void>;
  timer: NodeJS.Timeout | undefined;
  /** Aborted when a stop is requested, which ends a launch that has not finished. */
  stopping: AbortController;
  /** Set when the run's timeout passed before its process started. */
  startTimedOut: boolean;
}

/** Owns every run's life: the record, the output, the timeout, abort, and recovery after a restart. */
export class RunManager {
  private readonly active = new Map<string, ActiveRun>();
  private readonly now: () => Date;
  /** Set on shutdown: runs go on in their containers, and the next server start takes them over. */
  private detached = false;

  constructor(private readonly options: RunManagerOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Records a new run and starts it in the background; returns the record as `pending`. */
  async start(account: Account, spec: RunSpec, fileName: string | null): Promise<RunRecord> {
    const record: RunRecord = {
      id: randomRunId(),
      accountId: account.id,
      kind: spec.kind,
      status: 'pending',
      fileName,
      spec,
      returnCode: null,
      error: null,
      createdAt: this.now().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    this.options.repository.insert(record);
    let output: OutputLog;
    try {
      output = await OutputLog.open(this.outputPath(record.id), true);
    } catch (error) {
      // Without its output file the run cannot go on, and a record left pending would stay so.
      this.finishRecord(record.id, {
        status: 'system_failure',
        returnCode: null,
        error: `The server could not create the run's output file: ${(error as Error).message}`,
      });
      throw error;
    }
    this.track(record, account, output, (context) => this.runnerFor(record).launch(context));
    return record;
  }

  /** Returns the caller's run, or throws NotFoundError; another account's run is not found either. */
  get(accountId: string, id: string): RunRecord {
    const record = this.options.repository.findForAccount(accountId, id);
    if (record === undefined) {
      throw new NotFoundError(
        `Run ${JSON.stringify(id)} not found; "lyceum workloads list" shows your runs.`,
      );
    }
    return record;
  }

  list(accountId: string): RunRecord[] {
    return this.options.repository.listForAccount(accountId);
  }

  /** Summaries of the account's runs, newest first, for listings. */
  listSummaries(accountId: string): RunSummary[] {
    return this.options.repository.listSummaries(accountId);
  }

  /** Returns the run's output log: live while it runs, read-only afterwards. */
  async output(accountId: string, id: string): Promise<OutputLog> {
    const record = this.get(accountId, id);
    return this.active.get(record.id)?.output ?? OutputLog.finished(this.outputPath(record.id));
  }

  /** Resolves once the run has reached a terminal state and its record is updated. */
  async waitForEnd(accountId: string, id: string): Promise<RunRecord> {
    const record = this.get(accountId, id);
    await this.active.get(record.id)?.recorded;
    return this.get(accountId, id);
  }

  /** Stops a run with a graceful signal, then a kill; it ends as `aborted`. Finished runs stay as they are. */
  async abort(accountId: string, id: string): Promise<RunRecord> {
    const record = this.get(accountId, id);
    const active = this.active.get(record.id);
    if (active === undefined || isTerminal(record.status)) return record;
    this.options.logger.info({ runId: record.id }, 'Aborting run');
    await this.requestStop(record.id, active, 'aborted');
    await active.done;
    return this.get(accountId, id);
  }

  /**
   * Reconciles records with the containers this server left on the engine: runs still going are
   * followed again, runs that ended while the server was down are finished, leftovers are removed.
   */
  async recover(): Promise<void> {
    const { engine, repository, serverId, logger } = this.options;
    const containers = await engine.listManaged({ [LABEL_SERVER]: serverId });
    // A Compose run has one container per service.
    const byRun = new Map<string | undefined, ManagedContainerSummary[]>();
    for (const container of containers) {
      const runId = container.labels[LABEL_RUN_ID];
      byRun.set(runId, [...(byRun.get(runId) ?? []), container]);
    }
    const resumed = new Set<string>();

    for (const record of repository.listUnfinished()) {
      const summary = byRun.get(record.id)?.[0];
      byRun.delete(record.id);
      const account = this.options.accounts.findById(record.accountId);
      if (summary === undefined || account === undefined) {
        logger.warn({ runId: record.id }, 'Run had no container after a restart');
        this.finishRecord(record.id, {
          status: 'system_failure',
          returnCode: null,
          error: NEVER_STARTED_MESSAGE,
        });
        continue;
      }
      logger.info({ runId: record.id, running: summary.running }, 'Resuming run after a restart');
      resumed.add(record.id);
      const output = await OutputLog.open(this.outputPath(record.id), true);
      const container = engine.get(summary.id);
      this.track(record, account, output, (context) =>
        this.runnerFor(record).resume(context, container),
      );
    }

    for (const [runId, summaries] of byRun) {
      for (const summary of summaries) {
        logger.info({ runId, containerId: summary.id }, 'Removing leftover container');
        await engine
          .get(summary.id)
          .remove()
          .catch((error: unknown) => {
            logger.warn({ runId, err: error }, 'Removing leftover container failed');
          });
      }
    }

    for (const [kind, runner] of Object.entries(this.options.runners)) {
      await runner?.removeLeftovers?.(resumed).catch((error: unknown) => {
        logger.warn({ kind, err: error }, 'Removing what finished runs left failed');
      });
    }
  }

  /** Stops every active run's tracking without touching its container, for a server shutdown. */
  detachAll(): void {
    this.detached = true;
    for (const active of this.active.values()) {
      if (active.timer !== undefined) clearTimeout(active.timer);
      active.output.close();
    }
  }

  private track(
    record: RunRecord,
    account: Account,
    output: OutputLog,
    launch: (context: LaunchContext) => Promise<LaunchedRun>,
  ): void {
    let reported!: () => void;
    const recorded = new Promise<void>((resolve) => (reported = resolve));
    const active: ActiveRun = {
      output,
      stopReason: undefined,
      launched: undefined,
      recorded,
      reported,
      done: Promise.resolve(),
      timer: undefined,
      stopping: new AbortController(),
      startTimedOut: false,
    };
    this.active.set(record.id, active);
    active.done = this.execute(record, account, active, launch).finally(() => {
      if (active.timer !== undefined) clearTimeout(active.timer);
      this.active.delete(record.id);
    });
  }

  private async execute(
    record: RunRecord,
    account: Account,
    active: ActiveRun,
    launch: (context: LaunchContext) => Promise<LaunchedRun>,
  ): Promise<void> {
    const { logger, repository } = this.options;
    const log = logger.child({ runId: record.id, accountId: account.id, kind: record.kind });
    const resumed = record.status !== 'pending';
    let outcome: { status: RunStatus; returnCode: number | null; error: string | null };
    let endedAt: Date | undefined;

    try {
      if (!resumed) repository.markStatus(record.id, 'starting');
      log.info(resumed ? 'Following a resumed run' : 'Starting run');
      if (!resumed && record.kind !== 'compose') this.armStartTimeout(record, active);
      const launching = launch({
        run: record,
        account,
        output: active.output,
        stopRequested: () => active.stopReason !== undefined,
      });
      const launched = await untilStopped(launching, active.stopping.signal, (late) => {
        // A launch that finishes after the run was stopped leaves an unfollowed container, so it goes.
        void late.stop(0).finally(() => late.remove().catch(() => undefined));
      });
      if (active.timer !== undefined) clearTimeout(active.timer);
      active.launched = launched;
      if (this.detached) return;

      // A run resumed before it was seen running started at the engine's start time, not now.
      const engineStart =
        resumed && record.startedAt === null
          ? await launched.startedAt?.().catch(() => undefined)
          : undefined;
      const startedAt = record.startedAt ?? (engineStart ?? this.now()).toISOString();
      repository.markStatus(record.id, 'running', startedAt);
      log.info(resumed ? 'Following the resumed run' : 'Started run');
      this.armTimeout(record, active, startedAt);
      if (active.stopReason !== undefined) await launched.stop(this.options.stopGraceSeconds);

      const exitCode = await launched.exitCode;
      await launched.outputDone;
      if (this.detached) return;
      await launched.makeDurable();
      // A resumed run may have ended while the server was down, long before this point.
      if (resumed) endedAt = await launched.endedAt?.().catch(() => undefined);
      outcome = {
        status: active.stopReason ?? (exitCode === 0 ? 'completed' : 'failed'),
        returnCode: exitCode,
        error: this.stopMessage(record, active.stopReason),
      };
    } catch (error) {
      if (this.detached) return;
      outcome = this.failureOutcome(record, error, active.stopReason, active.startTimedOut);
      log.warn({ err: error, status: outcome.status }, 'Run could not start or was lost');
    }

    this.finishRecord(record.id, outcome, endedAt);
    active.output.close();
    active.reported();
    log.info({ status: outcome.status, returnCode: outcome.returnCode }, 'Finished run');
    const finished = this.options.repository.findById(record.id);
    if (finished !== undefined && record.spec.callbackUrls.length > 0) {
      void notifyCallbacks(finished, record.spec.callbackUrls, log);
    }
    // Removal comes after the report, so clients do not wait for it.
    await active.launched?.remove().catch((error: unknown) => {
      log.warn({ err: error }, 'Removing the finished run failed; the next start removes it');
    });
  }

  /**
   * Stops a Docker or Python run whose process has not started when its timeout passes, as while
   * the engine pulls a large image. Compose runs check their timeout during `up` themselves.
   */
  private armStartTimeout(record: RunRecord, active: ActiveRun): void {
    active.timer = setTimeout(() => {
      this.options.logger.info({ runId: record.id }, 'Run timed out before it started');
      active.startTimedOut = true;
      void this.requestStop(record.id, active, 'timeout');
    }, record.spec.timeoutSeconds * 1000);
    active.timer.unref();
  }

  private armTimeout(record: RunRecord, active: ActiveRun, startedAt: string): void {
    const deadline = Date.parse(startedAt) + record.spec.timeoutSeconds * 1000;
    const delayMs = Math.max(0, deadline - this.now().getTime());
    active.timer = setTimeout(() => {
      this.options.logger.info({ runId: record.id }, 'Run timed out; stopping it');
      void this.requestStop(record.id, active, 'timeout');
    }, delayMs);
    active.timer.unref();
  }

  private async requestStop(runId: string, active: ActiveRun, reason: StopReason): Promise<void> {
    active.stopReason ??= reason;
    active.stopping.abort();
    try {
      await active.launched?.stop(this.options.stopGraceSeconds);
    } catch (error) {
      this.options.logger.warn({ runId, err: error }, 'Stopping run failed');
    }
  }

  private stopMessage(
    record: RunRecord,
    reason: StopReason | undefined,
    beforeStart = false,
  ): string | null {
    if (reason === 'timeout' && beforeStart) {
      return (
        `The run exceeded its timeout of ${record.spec.timeoutSeconds} s before its process ` +
        'started, as while the engine pulled its image; pull the image first, or give a longer --timeout.'
      );
    }
    if (reason === 'timeout') {
      return `The run exceeded its timeout of ${record.spec.timeoutSeconds} s and was stopped.`;
    }
    if (reason === 'aborted') return 'The run was aborted.';
    return null;
  }

  private failureOutcome(
    record: RunRecord,
    error: unknown,
    stopReason: StopReason | undefined,
    startTimedOut: boolean,
  ): { status: RunStatus; returnCode: number | null; error: string } {
    const message = error instanceof Error ? error.message : String(error);
    if (stopReason !== undefined) {
      // A stop during the start fails the start, whose own error would only confuse.
      const stopped = this.stopMessage(record, stopReason, startTimedOut) ?? message;
      return { status: stopReason, returnCode: null, error: stopped };
    }
    if (error instanceof RunTimedOutError) {
      return { status: 'timeout', returnCode: null, error: message };
    }
    if (error instanceof CommandNotRunnableError) {
      return { status: 'failed', returnCode: error.returnCode, error: message };
    }
    if (error instanceof ComposeFileRejectedError) {
      return { status: 'failed', returnCode: null, error: message };
    }
    if (error instanceof ComposeStartFailedError) {
      return { status: 'failed', returnCode: error.returnCode, error: message };
    }
    const known = error instanceof LyceumError;
    return {
      status: 'system_failure',
      returnCode: null,
      error: known ? message : `Unexpected error while running: ${message}`,
    };
  }

  private finishRecord(
    id: string,
    outcome: { status: RunStatus; returnCode: number | null; error: string | null },
    endedAt: Date = this.now(),
  ): void {
    this.options.repository.finish(id, { ...outcome, finishedAt: endedAt.toISOString() });
  }

  private runnerFor(record: RunRecord): Runner {
    const runner = this.options.runners[record.kind];
    if (runner === undefined) {
      throw new Error(`No runner is configured for ${record.kind} runs.`);
    }
    return runner;
  }

  private outputPath(runId: string): string {
    return join(this.options.outputDir, `${runId}.log`);
  }
}

function randomRunId(): string {
  return `run_${randomBytes(10).toString('hex')}`;
}

/** Raised in place of a launch's result when the run was stopped before the launch finished. */
class StoppedDuringStartError extends Error {}

/**
 * Waits for a launch, or for `signal`, whichever comes first. When the signal wins, it rejects at
 * once and hands the launch's result, if it ever comes, to `onLate`.
 */
async function untilStopped(
  launching: Promise<LaunchedRun>,
  signal: AbortSignal,
  onLate: (launched: LaunchedRun) => void,
): Promise<LaunchedRun> {
  if (signal.aborted) {
    void launching.then(onLate, () => undefined);
    throw new StoppedDuringStartError('The run was stopped before it started.');
  }
  let stopped!: () => void;
  const stop = new Promise<never>((_resolve, reject) => {
    stopped = () => reject(new StoppedDuringStartError('The run was stopped before it started.'));
  });
  signal.addEventListener('abort', stopped, { once: true });
  try {
    return await Promise.race([launching, stop]);
  } catch (error) {
    if (error instanceof StoppedDuringStartError) void launching.then(onLate, () => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', stopped);
  }
}
