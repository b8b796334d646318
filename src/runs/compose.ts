import type { Logger } from 'pino';
import { checkComposeFile, type ComposeService } from '../compose/check-compose-file.js';
import { COMPOSE_ALLOWANCES, type ComposeAllowance } from '../compose/compose-allowances.js';
import type { ComposeVariables } from '../compose/interpolate.js';
import { buildOverrideFile } from '../compose/override-file.js';
import { ComposeFileRejectedError, RunTimedOutError, SystemFailureError } from '../errors/index.js';
import { userFaultInUp } from './compose-up-failure.js';
import { planMounts } from '../mounts/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import type { ComposeCli } from './compose-cli.js';
import { ComposeProject } from './compose-project.js';
import { ComposeWatch } from './compose-watch.js';
import {
  exitTime,
  startTime,
  type BindMount,
  type ContainerEngine,
  type ManagedContainer,
} from './container-engine.js';
import { syncFileSystem } from './durability.js';
import { LABEL_RUN_ID, LABEL_SERVER, runLabels } from './labels.js';
import type { ComposeRunSpec } from './run-record.js';
import type { LaunchContext, LaunchedRun, Runner } from './runner.js';

/** How often a running `up` checks whether the run was aborted. */
const STOP_POLL_INTERVAL_MS = 250;

export interface ComposeRunnerOptions {
  engine: ContainerEngine;
  store: ObjectStore;
  serverId: string;
  /** Returns the installed Compose; rejects with SystemFailureError when there is none. */
  composeCli: () => Promise<ComposeCli>;
  /** The folder for the runs' working files, in the data directory. */
  workDir: string;
  allowances: readonly ComposeAllowance[];
  variables: ComposeVariables;
  /** Seconds between the stop signal and the kill when the project is taken down. */
  stopGraceSeconds: number;
  logger: Logger;
}

/**
 * Runs a Compose file as one project per run: the user's file unchanged plus a generated override,
 * started with `up --detach`, followed through the engine, and taken down with its volumes.
 */
export class ComposeRunner implements Runner {
  constructor(private readonly options: ComposeRunnerOptions) {}

  async launch(context: LaunchContext): Promise<LaunchedRun> {
    const { engine } = this.options;
    const spec = context.run.spec as ComposeRunSpec;
    const cli = await this.options.composeCli();
    await engine.ping();

    const { services } = this.checkFile(spec, this.options.allowances);
    const images = new Set(
      services.flatMap((service) => [
        ...(service.image === undefined ? [] : [service.image]),
        ...service.mountedImages,
      ]),
    );
    for (const image of images) await engine.ensureImage(image, spec.pullPolicy);
    const bucket = await this.bucketMount(context, spec);

    const project = await this.writeProject(context, spec, services, bucket);
    let watch: ComposeWatch | undefined;
    try {
      watch = await this.watch(context, spec, services);
      this.options.logger.debug(
        { runId: context.run.id, compose: cli.description },
        'Starting Compose project',
      );
      await this.startProject(context, cli, project);
      this.options.logger.debug({ runId: context.run.id }, 'Started Compose project');
      return await this.follow(context, watch, cli, project, bucket);
    } catch (error) {
      watch?.close();
      await this.takeDown(cli, project).catch((cleanupError: unknown) => {
        this.options.logger.warn(
          { runId: context.run.id, err: cleanupError },
          'Taking down a Compose project that failed to start failed; the next start retries',
        );
      });
      throw error;
    }
  }

  /**
   * Follows a run's project again after a restart and writes its working files anew. The
   * container passed in is one of the project's; the runner finds all of them by label.
   */
  async resume(context: LaunchContext, _container?: ManagedContainer): Promise<LaunchedRun> {
    const spec = context.run.spec as ComposeRunSpec;
    const cli = await this.options.composeCli();
    // The file passed the checks at launch. The operator may have changed the allowances since,
    // which must not cut off a run that is already going.
    const everything = Object.keys(COMPOSE_ALLOWANCES) as ComposeAllowance[];
    const { services } = this.checkFile(spec, everything);
    const bucket = await this.bucketMount(context, spec);
    const project = await this.writeProject(context, spec, services, bucket);
    const watch = await this.watch(context, spec, services);
    return this.follow(context, watch, cli, project, bucket);
  }

  /**
   * Takes down the projects of runs that are not in `activeRunIds` but still have working files:
   * runs whose take-down failed or was cut short by a stop of the server.
   */
  async removeLeftovers(activeRunIds: ReadonlySet<string>): Promise<void> {
    const runIds = await ComposeProject.listRunIds(this.options.workDir);
    const leftovers = runIds.filter((runId) => !activeRunIds.has(runId));
    if (leftovers.length === 0) return;
    const cli = await this.options.composeCli();
    for (const runId of leftovers) {
      this.options.logger.info({ runId }, 'Taking down a leftover Compose project');
      // One project that cannot be taken down must not keep the others.
      await this.takeDown(cli, new ComposeProject(this.options.workDir, runId)).catch(
        (error: unknown) => {
          this.options.logger.warn(
            { runId, err: error },
            'Taking down a leftover Compose project failed; the next start tries again',
          );
        },
      );
    }
  }

  /**
   * Runs `up`, and cancels it when the run is aborted meanwhile or when `up` outlasts the run's
   * timeout, as it can while it waits on a dependency (depends_on with service_healthy or
   * service_completed_successfully). The timeout then counts again from the end of `up`.
   */
  private async startProject(
    context: LaunchContext,
    cli: ComposeCli,
    project: ComposeProject,
  ): Promise<void> {
    const { timeoutSeconds } = context.run.spec;
    const deadline = Date.now() + timeoutSeconds * 1000;
    const cancel = new AbortController();
    let timedOut = false;
    const poll = setInterval(() => {
      timedOut = Date.now() >= deadline;
      if (timedOut || context.stopRequested()) cancel.abort();
    }, STOP_POLL_INTERVAL_MS);
    try {
      await cli.up(project, cancel.signal);
    } catch (error) {
      if (!timedOut && !context.stopRequested()) {
        // An `up` that fails on the file itself is the user's to fix, not the server's.
        const problem = await cli.findFileProblem(project);
        if (problem !== undefined) {
          throw new ComposeFileRejectedError(
            `Compose rejected the file: ${problem}\nFix the file and run it again.`,
            { cause: error },
          );
        }
        const userFault = userFaultInUp((error as Error).message, error);
        if (userFault !== undefined) throw userFault;
      }
      if (!timedOut || context.stopRequested()) throw error;
      throw new RunTimedOutError(
        `The run exceeded its timeout of ${timeoutSeconds} s while Compose was starting its ` +
          'services, which can wait on a dependency that never becomes healthy; check the ' +
          'healthchecks and depends_on conditions, or give a longer --timeout.',
        { cause: error },
      );
    } finally {
      clearInterval(poll);
    }
  }

  private watch(
    context: LaunchContext,
    spec: ComposeRunSpec,
    services: readonly ComposeService[],
  ): Promise<ComposeWatch> {
    return ComposeWatch.subscribe({
      engine: this.options.engine,
      labels: { [LABEL_SERVER]: this.options.serverId, [LABEL_RUN_ID]: context.run.id },
      services,
      mainService: spec.mainService,
      sink: context.output,
    });
  }

  private async follow(
    context: LaunchContext,
    subscribed: ComposeWatch,
    cli: ComposeCli,
    project: ComposeProject,
    bucket: BindMount | undefined,
  ): Promise<LaunchedRun> {
    const { stopGraceSeconds } = this.options;
    const spec = context.run.spec as ComposeRunSpec;
    const watch = await subscribed.follow();
    const stopAll = async (graceSeconds: number) => {
      await Promise.all(watch.containers.map((container) => container.stop(graceSeconds)));
    };
    // The run ends with the main service, so the other services are stopped to end their output.
    const exitCode = watch.ended.then(async (code) => {
      if (spec.mainService === undefined) return code;
      await stopAll(stopGraceSeconds).catch((error: unknown) => {
        this.options.logger.warn(
          { runId: context.run.id, err: error },
          'Stopping the other services after the main service exited failed',
        );
      });
      return code;
    });
    let removed: Promise<void> | undefined;
    return {
      exitCode,
      outputDone: watch.outputDone,
      stop: stopAll,
      makeDurable: async () => {
        if (bucket !== undefined) await syncFileSystem(bucket.source);
      },
      remove: () => (removed ??= this.takeDown(cli, project)),
      startedAt: () => firstStartTime(watch.containers),
      endedAt: () => lastExitTime(watch.containers),
    };
  }

  /** Removes the project's containers, networks and volumes, then its working files. */
  private async takeDown(cli: ComposeCli, project: ComposeProject): Promise<void> {
    await cli.down(project, this.options.stopGraceSeconds);
    await project.remove();
  }

  private checkFile(spec: ComposeRunSpec, allowances: readonly ComposeAllowance[]) {
    return checkComposeFile(spec.composeFile, {
      mountPath: this.mountPath(spec),
      mainService: spec.mainService,
      allowances,
      variables: this.options.variables,
    });
  }

  private async writeProject(
    context: LaunchContext,
    spec: ComposeRunSpec,
    services: readonly ComposeService[],
    bucket: BindMount | undefined,
  ): Promise<ComposeProject> {
    const override = buildOverrideFile({
      services: services.map((service) => service.name),
      labels: runLabels({
        serverId: this.options.serverId,
        runId: context.run.id,
        accountId: context.account.id,
        kind: 'compose',
      }),
      bucket: bucket === undefined ? undefined : { source: bucket.source, target: bucket.target },
    });
    return ComposeProject.write(this.options.workDir, context.run.id, spec.composeFile, override);
  }

  private mountPath(spec: ComposeRunSpec): string | undefined {
    const plan = planMounts('compose', {
      enableS3Mount: spec.enableS3Mount,
      s3MountPath: spec.s3MountPath,
    });
    return plan.kind === 'bucket' ? plan.containerPath : undefined;
  }

  /** Resolves the bucket folder when the run opted in; it must exist before any container does. */
  private async bucketMount(
    context: LaunchContext,
    spec: ComposeRunSpec,
  ): Promise<BindMount | undefined> {
    const target = this.mountPath(spec);
    if (target === undefined) return undefined;
    try {
      const source = await this.options.store.mountSource(context.account.bucketName);
      return { source, target, readOnly: false };
    } catch (error) {
      throw new SystemFailureError(
        `The bucket ${context.account.bucketName} could not be mounted at ${target}: ` +
          `${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}

/** Returns the engine's times of the containers that have one, from `timeOf`, in milliseconds. */
async function knownTimes(
  containers: readonly ManagedContainer[],
  timeOf: (container: ManagedContainer) => Promise<Date | undefined>,
): Promise<number[]> {
  const times = await Promise.all(
    containers.map((container) => timeOf(container).catch(() => undefined)),
  );
  return times.flatMap((time) => (time === undefined ? [] : [time.getTime()]));
}

/** Returns the time the last of the containers exited, or undefined when none has a time. */
async function lastExitTime(containers: readonly ManagedContainer[]): Promise<Date | undefined> {
  const times = await knownTimes(containers, exitTime);
  return times.length === 0 ? undefined : new Date(Math.max(...times));
}

/** Returns the time the first of the containers started, or undefined when none has a time. */
async function firstStartTime(containers: readonly ManagedContainer[]): Promise<Date | undefined> {
  const times = await knownTimes(containers, startTime);
  return times.length === 0 ? undefined : new Date(Math.min(...times));
}
