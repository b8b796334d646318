import { SystemFailureError } from '../errors/index.js';
import { planMounts } from '../mounts/index.js';
import type { ObjectStore } from '../storage/object-store.js';
import {
  exitTime,
  neverStarted,
  startTime,
  type BindMount,
  type ContainerEngine,
  type ManagedContainer,
} from './container-engine.js';
import { syncFileSystem } from './durability.js';
import { runLabels } from './labels.js';
import type { DockerRunSpec } from './run-record.js';
import {
  NEVER_STARTED_MESSAGE,
  type LaunchContext,
  type LaunchedRun,
  type Runner,
} from './runner.js';
import { runNetworkFor } from './run-network.js';

export interface DockerRunnerOptions {
  engine: ContainerEngine;
  store: ObjectStore;
  serverId: string;
  /** The network runs join, as `LYCEUM_RUN_NETWORK` names it; undefined lets the server choose. */
  runNetwork?: string | undefined;
}

/** Runs one container per run through the engine, with the bucket mounted as the mount plan sets. */
export class DockerRunner implements Runner {
  constructor(private readonly options: DockerRunnerOptions) {}

  async launch(context: LaunchContext): Promise<LaunchedRun> {
    const { engine } = this.options;
    const spec = context.run.spec as DockerRunSpec;

    // ensureImage is the first engine call, and reports an unreachable engine itself.
    await engine.ensureImage(spec.image, spec.pullPolicy);
    const mounts = await this.mountsFor(context, spec);
    const network = await runNetworkFor(engine, this.options.runNetwork);

    const container = await engine.create({
      name: `lyceum-${context.run.id}`,
      image: spec.image,
      command: spec.command,
      env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
      labels: runLabels({
        serverId: this.options.serverId,
        runId: context.run.id,
        accountId: context.account.id,
        kind: 'docker',
      }),
      mounts,
      network,
      // Raw sockets could forge traffic on the shared run network. A device node made in the
      // bucket would be a device on the host, open to the server.
      capDrop: mounts.length > 0 ? ['NET_RAW', 'MKNOD'] : ['NET_RAW'],
    });
    return this.startCreated(context, container, mounts);
  }

  async resume(context: LaunchContext, container: ManagedContainer): Promise<LaunchedRun> {
    const spec = context.run.spec as DockerRunSpec;
    const mounts = await this.mountsFor(context, spec).catch(() => []);
    const output = await container.followLogs((chunk) => context.output.append(chunk));
    const state = await container.state();
    if (neverStarted(state)) {
      await container.remove().catch(() => undefined);
      throw new SystemFailureError(NEVER_STARTED_MESSAGE);
    }
    const exitCode = state.running ? container.waitForExit() : Promise.resolve(state.exitCode);
    return this.launched(container, mounts, exitCode, output.ended);
  }

  private async startCreated(
    context: LaunchContext,
    container: ManagedContainer,
    mounts: BindMount[],
  ): Promise<LaunchedRun> {
    try {
      const output = await container.attachOutput((chunk) => context.output.append(chunk));
      const exitCode = container.waitForExit();
      // A start that fails leaves the wait pending forever; it is dropped with the container.
      exitCode.catch(() => undefined);
      await container.start();
      return this.launched(container, mounts, exitCode, output.ended);
    } catch (error) {
      await container.remove().catch(() => undefined);
      throw error;
    }
  }

  private launched(
    container: ManagedContainer,
    mounts: BindMount[],
    exitCode: Promise<number>,
    outputDone: Promise<void>,
  ): LaunchedRun {
    let removed: Promise<void> | undefined;
    return {
      exitCode,
      outputDone,
      stop: (graceSeconds) => container.stop(graceSeconds),
      makeDurable: async () => {
        for (const mount of mounts) await syncFileSystem(mount.source);
      },
      remove: () => (removed ??= container.remove()),
      startedAt: () => startTime(container),
      endedAt: () => exitTime(container),
    };
  }

  /** Resolves the mount plan to bind mounts; the bucket folder must exist before the container does. */
  private async mountsFor(context: LaunchContext, spec: DockerRunSpec): Promise<BindMount[]> {
    const plan = planMounts('docker', {
      enableS3Mount: spec.enableS3Mount,
      s3MountPath: spec.s3MountPath,
    });
    if (plan.kind === 'none') return [];
    try {
      const source = await this.options.store.mountSource(context.account.bucketName);
      return [{ source, target: plan.containerPath, readOnly: plan.readOnly }];
    } catch (error) {
      throw new SystemFailureError(
        `The bucket ${context.account.bucketName} could not be mounted at ${plan.containerPath}: ` +
          `${(error as Error).message}`,
        { cause: error },
      );
    }
  }
}
