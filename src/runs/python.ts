import { SystemFailureError } from '../errors/index.js';
import type { CredentialStore, IssuedCredentials } from '../storage/credential-store.js';
import {
  exitTime,
  neverStarted,
  startTime,
  type ContainerEngine,
  type ManagedContainer,
} from './container-engine.js';
import { runLabels } from './labels.js';
import {
  LAUNCHER_PATH,
  LAUNCHER_SOURCE,
  REQUIREMENTS_PATH,
  WORKSPACE_DIR,
} from './python-launcher.js';
import type { PythonRunSpec } from './run-record.js';
import {
  NEVER_STARTED_MESSAGE,
  type LaunchContext,
  type LaunchedRun,
  type Runner,
} from './runner.js';
import { buildArchive } from './workspace-archive.js';
import { planWorkspaceDelivery } from './workspace-delivery.js';
import { runNetworkFor } from './run-network.js';

/** Credentials outlive the run's timeout by this margin, which covers the stop grace and start-up. */
const CREDENTIAL_MARGIN_SECONDS = 900;

export interface PythonRunnerOptions {
  engine: ContainerEngine;
  credentials: CredentialStore;
  serverId: string;
  /** The S3 endpoint as containers reach it (the bridge gateway), or undefined without one. */
  endpointForRuns: () => string | undefined;
  region: string;
  /** The network runs join, as `LYCEUM_RUN_NETWORK` names it; undefined lets the server choose. */
  runNetwork?: string | undefined;
}

/**
 * Runs Python code in a container of a Python image. The bucket is never mounted: the run gets
 * temporary credentials for the S3 endpoint in its environment, masked in its output and revoked
 * when it ends.
 */
export class PythonRunner implements Runner {
  constructor(private readonly options: PythonRunnerOptions) {}

  async launch(context: LaunchContext): Promise<LaunchedRun> {
    const { engine } = this.options;
    const spec = context.run.spec as PythonRunSpec;
    const endpoint = this.options.endpointForRuns();
    if (endpoint === undefined) {
      throw new SystemFailureError(
        'The S3 endpoint is not reachable from containers: the server found no Docker bridge ' +
          'gateway to listen on. Check "docker network inspect bridge" and restart the server.',
      );
    }

    // ensureImage is the first engine call, and reports an unreachable engine itself.
    await engine.ensureImage(spec.image, spec.pullPolicy);
    // Revoking the key that started the run revokes these credentials too.
    const credentials = this.options.credentials.issueFor(
      context.account.id,
      spec.timeoutSeconds + CREDENTIAL_MARGIN_SECONDS,
      context.account.keyId,
    );
    context.output.maskSecrets(secretsOf(credentials));

    try {
      // Without requirements the script starts directly, sparing a second interpreter start.
      const command =
        spec.requirements === undefined
          ? ['python3', spec.fileName, ...spec.args]
          : ['python3', LAUNCHER_PATH, spec.fileName, ...spec.args];
      const files = workspaceFiles(spec);
      const delivery = planWorkspaceDelivery(files, command, await engine.imageUser(spec.image));
      const network = await runNetworkFor(engine, this.options.runNetwork);
      const container = await engine.create({
        name: `lyceum-${context.run.id}`,
        image: spec.image,
        command: delivery.command,
        env: [
          ...environmentFor(credentials, endpoint, context.account.bucketName, this.options.region),
          ...delivery.env,
        ],
        labels: runLabels({
          serverId: this.options.serverId,
          runId: context.run.id,
          accountId: context.account.id,
          kind: 'python',
        }),
        mounts: [],
        network,
        // Raw sockets could forge traffic on the shared run network.
        capDrop: ['NET_RAW'],
        workingDir: WORKSPACE_DIR,
        // As PID 1, Python would ignore the stop signal, so a timeout or abort would wait out the
        // grace period. Under the engine's init it stops at once.
        init: true,
      });
      const archive = delivery.kind === 'archive' ? files : undefined;
      return await this.start(context, container, archive, credentials.accessKey);
    } catch (error) {
      this.options.credentials.revoke(credentials.accessKey);
      throw error;
    }
  }

  async resume(context: LaunchContext, container: ManagedContainer): Promise<LaunchedRun> {
    const environment = await container.environment();
    const secrets = environment
      .filter((entry) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)=/.test(entry))
      .map((entry) => entry.slice(entry.indexOf('=') + 1));
    context.output.maskSecrets(secrets);
    const accessKey = environment
      .find((entry) => entry.startsWith('AWS_ACCESS_KEY_ID='))
      ?.slice('AWS_ACCESS_KEY_ID='.length);
    const output = await container.followLogs((chunk) => context.output.append(chunk));
    const state = await container.state();
    if (neverStarted(state)) {
      await container.remove().catch(() => undefined);
      throw new SystemFailureError(NEVER_STARTED_MESSAGE);
    }
    const exitCode = state.running ? container.waitForExit() : Promise.resolve(state.exitCode);
    return this.launched(container, exitCode, output.ended, accessKey);
  }

  /** Starts the created container, after copying `archive` (absolute paths to text) into it. */
  private async start(
    context: LaunchContext,
    container: ManagedContainer,
    archive: Record<string, string> | undefined,
    accessKey: string,
  ): Promise<LaunchedRun> {
    try {
      if (archive !== undefined) {
        const relative = Object.entries(archive).map(([path, text]) => [path.slice(1), text]);
        await container.putArchive('/', await buildArchive(Object.fromEntries(relative)));
      }

      const output = await container.attachOutput((chunk) => context.output.append(chunk));
      const exitCode = container.waitForExit();
      exitCode.catch(() => undefined);
      await container.start();
      return this.launched(container, exitCode, output.ended, accessKey);
    } catch (error) {
      await container.remove().catch(() => undefined);
      throw error;
    }
  }

  private launched(
    container: ManagedContainer,
    exitCode: Promise<number>,
    outputDone: Promise<void>,
    accessKey: string | undefined,
  ): LaunchedRun {
    let removed: Promise<void> | undefined;
    return {
      exitCode,
      outputDone,
      stop: (graceSeconds) => container.stop(graceSeconds),
      // Nothing to flush: a Python run writes through the S3 endpoint, whose writes are durable.
      makeDurable: async () => undefined,
      remove: () =>
        (removed ??= (async () => {
          if (accessKey !== undefined) this.options.credentials.revoke(accessKey);
          await container.remove();
        })()),
      startedAt: () => startTime(container),
      endedAt: () => exitTime(container),
    };
  }
}

/** Returns the run's files by absolute path: the code and imports in the workspace, and the launcher. */
function workspaceFiles(spec: PythonRunSpec): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [path, text] of Object.entries({ ...spec.importFiles, [spec.fileName]: spec.code })) {
    files[`${WORKSPACE_DIR}/${path}`] = text;
  }
  if (spec.requirements !== undefined) {
    files[LAUNCHER_PATH] = LAUNCHER_SOURCE;
    files[REQUIREMENTS_PATH] = spec.requirements;
  }
  return files;
}

function secretsOf(credentials: IssuedCredentials): string[] {
  return [credentials.secretKey, credentials.sessionToken, credentials.accessKey];
}

/** Builds the environment of a Python run with the AWS SDKs' own variable names, so clients need no setup. */
export function environmentFor(
  credentials: IssuedCredentials,
  endpoint: string,
  bucket: string,
  region: string,
): string[] {
  return [
    `AWS_ACCESS_KEY_ID=${credentials.accessKey}`,
    `AWS_SECRET_ACCESS_KEY=${credentials.secretKey}`,
    `AWS_SESSION_TOKEN=${credentials.sessionToken}`,
    `AWS_ENDPOINT_URL=${endpoint}`,
    `AWS_ENDPOINT_URL_S3=${endpoint}`,
    `AWS_REGION=${region}`,
    `AWS_DEFAULT_REGION=${region}`,
    `LYCEUM_S3_BUCKET=${bucket}`,
    `LYCEUM_S3_ENDPOINT=${endpoint}`,
    'PYTHONUNBUFFERED=1',
  ];
}
