import type { Account } from '../accounts/account-registry.js';
import type { ManagedContainer } from './container-engine.js';
import type { OutputLog } from './output-log.js';
import type { RunRecord } from './run-record.js';

/** Inputs a runner gets to launch one run. */
export interface LaunchContext {
  run: RunRecord;
  /** The run's account, with the API key that started the run when a request did. */
  account: Account & { keyId?: string };
  output: OutputLog;
  /** True once an abort or timeout was requested; runners check it between phases. */
  stopRequested(): boolean;
}

/** A run whose user process has started. */
export interface LaunchedRun {
  /** Exit code of the main process. */
  readonly exitCode: Promise<number>;
  /** Resolves when all output has been captured. */
  readonly outputDone: Promise<void>;
  stop(graceSeconds: number): Promise<void>;
  /** Makes what the run wrote durable; called before the run is reported finished. */
  makeDurable(): Promise<void>;
  /** Removes the run's containers; called after the run is reported finished. Safe to call twice. */
  remove(): Promise<void>;
  /**
   * Returns when the run's first container started, as the engine recorded it, or undefined when
   * unknown. Asked only of resumed runs that the previous server never saw running.
   */
  startedAt?(): Promise<Date | undefined>;
  /**
   * Returns when the main process exited, as the engine recorded it, or undefined when unknown.
   * Asked only of resumed runs, whose process may have exited while the server was down.
   */
  endedAt?(): Promise<Date | undefined>;
}

/** Launches runs of one execution kind. */
export interface Runner {
  /** Prepares and starts the run; rejects with a LyceumError when it cannot start. */
  launch(context: LaunchContext): Promise<LaunchedRun>;
  /** Takes over a container that a previous server process started for this run. */
  resume(context: LaunchContext, container: ManagedContainer): Promise<LaunchedRun>;
  /**
   * Removes what runs not in `activeRunIds` left behind beyond their containers, such as networks
   * and volumes. Called after a restart, once the containers of finished runs are removed.
   */
  removeLeftovers?(activeRunIds: ReadonlySet<string>): Promise<void>;
}

/** The error of a run whose container the previous server created but never started. */
export const NEVER_STARTED_MESSAGE = 'The server stopped before the run started; start it again.';
