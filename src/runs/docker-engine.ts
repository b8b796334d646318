import { networkInterfaces } from 'node:os';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import type { PullPolicy } from '../config/server-config.js';
import {
  CommandNotRunnableError,
  EngineUnavailableError,
  SystemFailureError,
} from '../errors/index.js';
import type {
  AttachOptions,
  ContainerEngine,
  ContainerEvent,
  ContainerState,
  EventSubscription,
  ContainerSpec,
  ManagedContainer,
  ManagedContainerSummary,
  NetworkInfo,
  OutputListener,
  OutputStream,
} from './container-engine.js';
import { ICC_OPTION } from './run-network.js';

/** The label on the isolated network a lyceum server makes for runs. */
const ISOLATED_LABEL = 'dev.lyceum.network';

const UNREACHABLE_CODES = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** The Docker engine, through dockerode. It honours DOCKER_HOST like the docker CLI. */
export class DockerEngine implements ContainerEngine {
  private readonly docker: Docker;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    this.docker = new Docker();
  }

  async ping(): Promise<void> {
    await this.call(() => this.docker.ping());
  }

  async ensureImage(image: string, policy: PullPolicy): Promise<void> {
    const present = await this.call(() => this.docker.getImage(image).inspect()).then(
      () => true,
      (error: unknown) => {
        if (isNotFound(error)) return false;
        throw error;
      },
    );
    if (present && policy !== 'always') return;
    if (!present && policy === 'never') {
      throw new SystemFailureError(
        `Image "${image}" is not on this machine and the pull policy is "never"; ` +
          'build or load it first ("docker images" lists local images), or use --pull missing.',
      );
    }
    await this.pull(image);
  }

  async imageUser(image: string): Promise<string> {
    const inspected = await this.call(() => this.docker.getImage(image).inspect());
    return inspected.Config?.User ?? '';
  }

  async create(spec: ContainerSpec): Promise<ManagedContainer> {
    const container = await this.call(() =>
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        ...(spec.command === undefined ? {} : { Cmd: spec.command }),
        Env: spec.env,
        Labels: spec.labels,
        ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
        Tty: false,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: {
          ...(spec.init === true ? { Init: true } : {}),
          ...(spec.capDrop === undefined ? {} : { CapDrop: spec.capDrop }),
          ...(spec.network === undefined ? {} : { NetworkMode: spec.network }),
          Mounts: spec.mounts.map((mount) => ({
            Type: 'bind' as const,
            Source: mount.source,
            Target: mount.target,
            ReadOnly: mount.readOnly,
          })),
        },
      }),
    );
    return new DockerContainer(this, container);
  }

  get(id: string): ManagedContainer {
    return new DockerContainer(this, this.docker.getContainer(id));
  }

  async listManaged(labels: Record<string, string>): Promise<ManagedContainerSummary[]> {
    const filters = { label: Object.entries(labels).map(([key, value]) => `${key}=${value}`) };
    const containers = await this.call(() =>
      this.docker.listContainers({ all: true, filters: JSON.stringify(filters) }),
    );
    return containers.map((container) => ({
      id: container.Id,
      labels: container.Labels,
      running: container.State === 'running',
    }));
  }

  async watchContainers(
    labels: Record<string, string>,
    listener: (event: ContainerEvent) => void,
  ): Promise<EventSubscription> {
    const filters = {
      type: ['container'],
      event: ['create', 'start', 'die'],
      label: Object.entries(labels).map(([key, value]) => `${key}=${value}`),
    };
    const stream = (await this.call(() =>
      this.docker.getEvents({ filters: JSON.stringify(filters) }),
    )) as NodeJS.ReadableStream & { destroy(): void; socket?: { unref(): void } };
    // A stopping server leaves runs to the next start, so this stream must not keep it alive.
    stream.socket?.unref();
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseContainerEvent(line);
        if (event !== undefined) listener(event);
      }
    });
    stream.on('error', () => undefined);
    return { close: () => stream.destroy() };
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    const network = (await this.call(() => this.docker.getNetwork(name).inspect()).catch(
      (error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      },
    )) as
      | {
          Name?: string;
          Driver?: string;
          Options?: Record<string, string> | null;
          Labels?: Record<string, string> | null;
        }
      | undefined;
    if (network === undefined) return undefined;
    return {
      name: network.Name ?? '',
      driver: network.Driver ?? '',
      options: network.Options ?? {},
      labels: network.Labels ?? {},
    };
  }

  async ensureIsolatedNetwork(name: string): Promise<void> {
    const existing = await this.inspectNetwork(name);
    if (existing !== undefined) {
      // Only a network this or another lyceum server made will do: a Compose file could have
      // made one of the same name, internal or with options of its own.
      if (
        existing.labels[ISOLATED_LABEL] === 'isolated' &&
        existing.options[ICC_OPTION] === 'false'
      ) {
        return;
      }
      throw new SystemFailureError(
        `Network "${name}" exists but was not made by a lyceum server for runs (it lacks the ` +
          `label ${ISOLATED_LABEL}=isolated or ${ICC_OPTION}=false), so runs cannot join it. ` +
          `Remove it with "docker network rm ${name}" once no container uses it, and the server ` +
          'makes it again.',
      );
    }
    await this.call(() =>
      this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        // Without inter-container traffic, a service one run listens with is closed to the others.
        Options: { [ICC_OPTION]: 'false' },
        Labels: { [ISOLATED_LABEL]: 'isolated' },
      }),
    ).catch((error: unknown) => {
      // Another server or run created it meanwhile.
      if (!isStatus(error, 409)) throw error;
    });
  }

  async bridgeGateway(): Promise<string | undefined> {
    try {
      const network = (await this.docker.getNetwork('bridge').inspect()) as {
        IPAM?: { Config?: { Gateway?: string; Subnet?: string }[] };
        Options?: Record<string, string>;
      };
      const config = network.IPAM?.Config ?? [];
      const gateway = config.find((entry) => entry.Gateway !== undefined)?.Gateway;
      if (gateway !== undefined) return gateway;
      // Engines such as Debian's 20.10 leave the gateway out of the default bridge's IPAM data.
      // It is then the IPv4 address of the bridge interface, which Node lists only while a
      // container is attached, and otherwise the subnet's first address, Docker's default.
      const name = network.Options?.['com.docker.network.bridge.name'] ?? 'docker0';
      const address = networkInterfaces()[name]?.find((entry) => entry.family === 'IPv4')?.address;
      return (
        address ?? firstHostAddress(config.find((entry) => entry.Subnet?.includes('.'))?.Subnet)
      );
    } catch {
      return undefined;
    }
  }

  /** Demultiplexes a non-TTY output stream and passes both stdout and stderr to `listener`. */
  demux(stream: NodeJS.ReadableStream, listener: OutputListener): OutputStream {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        listener(chunk);
        callback();
      },
    });
    this.docker.modem.demuxStream(stream, sink, sink);
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    return { ended };
  }

  /** Passes a TTY container's output, which is one raw stream, to `listener`. */
  forward(stream: NodeJS.ReadableStream, listener: OutputListener): OutputStream {
    stream.on('data', (chunk: Buffer) => listener(chunk));
    const ended = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    return { ended };
  }

  /** Runs an engine call and turns "cannot connect" into an error that tells how to fix it. */
  async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== undefined && UNREACHABLE_CODES.has(code)) {
        const where = this.env.DOCKER_HOST
          ? `DOCKER_HOST=${this.env.DOCKER_HOST}`
          : 'unix:///var/run/docker.sock';
        throw new EngineUnavailableError(
          `Cannot reach the Docker engine at ${where} (${code}); start it (for example ` +
            '"dockerd &" as root, or "systemctl start docker"), or point DOCKER_HOST at a running engine.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  private async pull(image: string): Promise<void> {
    try {
      const stream = await this.call(() => this.docker.pull(image));
      await new Promise<void>((resolve, reject) => {
        this.docker.modem.followProgress(stream, (error: Error | null) =>
          error ? reject(error) : resolve(),
        );
      });
    } catch (error) {
      if (error instanceof EngineUnavailableError) throw error;
      throw new SystemFailureError(
        `Pulling image "${image}" failed: ${(error as Error).message.trim()}; check the name and the ` +
          'registry, or load the image locally and use --pull never.',
        { cause: error },
      );
    }
  }
}

class DockerContainer implements ManagedContainer {
  constructor(
    private readonly engine: DockerEngine,
    private readonly container: Docker.Container,
  ) {}

  get id(): string {
    return this.container.id;
  }

  async attachOutput(listener: OutputListener, options: AttachOptions = {}): Promise<OutputStream> {
    const stream = await this.engine.call(() =>
      this.container.attach({
        stream: true,
        stdout: true,
        stderr: true,
      }),
    );
    return options.tty === true
      ? this.engine.forward(stream, listener)
      : this.engine.demux(stream, listener);
  }

  async followLogs(listener: OutputListener): Promise<OutputStream> {
    // Compose services may set `tty: true`, and a TTY container's logs are not multiplexed.
    const [{ Config }, stream] = await Promise.all([
      this.engine.call(() => this.container.inspect()),
      this.openLogs(),
    ]);
    let received = 0;
    const followed = this.passLogs(stream, Config.Tty === true, (chunk) => {
      received += chunk.length;
      listener(chunk);
    });
    const ended = followed.ended.then(() => this.readRest(received, Config.Tty === true, listener));
    return { ended };
  }

  /**
   * Reads the part of an exited container's log that a follower missed. Docker 20.10's follower
   * stopped before the end of the log when the container exited while it was behind: in our
   * tests, the last line of 600,001 went missing. An exited container's log is read again from
   * the start, and what comes after the first `received` bytes is passed on.
   */
  private async readRest(received: number, tty: boolean, listener: OutputListener) {
    try {
      const { State } = await this.container.inspect();
      if (State.Running) return;
      let skip = received;
      const again = this.passLogs(await this.openLogs(), tty, (chunk) => {
        if (skip >= chunk.length) {
          skip -= chunk.length;
          return;
        }
        listener(skip === 0 ? chunk : chunk.subarray(skip));
        skip = 0;
      });
      await again.ended;
    } catch {
      // The container is gone, or the engine with it, so what the follower passed on is kept.
    }
  }

  private openLogs(): Promise<NodeJS.ReadableStream> {
    return this.engine.call(() =>
      this.container.logs({ follow: true, stdout: true, stderr: true }),
    );
  }

  private passLogs(
    stream: NodeJS.ReadableStream,
    tty: boolean,
    listener: OutputListener,
  ): OutputStream {
    return tty ? this.engine.forward(stream, listener) : this.engine.demux(stream, listener);
  }

  waitForExit(): Promise<number> {
    return this.engine
      .call(() => this.container.wait({ condition: 'next-exit' }))
      .then((result: { StatusCode: number }) => result.StatusCode);
  }

  waitUntilStopped(): Promise<number> {
    return this.engine
      .call(() => this.container.wait({ condition: 'not-running' }))
      .then((result: { StatusCode: number }) => result.StatusCode);
  }

  async start(): Promise<void> {
    try {
      await this.engine.call(() => this.container.start());
    } catch (error) {
      throw asCommandError(error) ?? error;
    }
  }

  async stop(graceSeconds: number): Promise<void> {
    await this.engine
      .call(() => this.container.stop({ t: graceSeconds }))
      .catch((error) => {
        // 304: already stopped; 404: already gone. Both mean the goal is reached.
        if (!isStatus(error, 304) && !isNotFound(error)) throw error;
      });
  }

  async state(): Promise<ContainerState> {
    const { State } = await this.engine.call(() => this.container.inspect());
    return {
      running: State.Running,
      exitCode: State.ExitCode,
      startedAt: State.StartedAt,
      finishedAt: State.FinishedAt,
    };
  }

  async putArchive(path: string, archive: Buffer): Promise<void> {
    await this.engine.call(() => this.container.putArchive(archive, { path }));
  }

  async environment(): Promise<string[]> {
    const info = await this.engine.call(() => this.container.inspect());
    return info.Config.Env ?? [];
  }

  async remove(): Promise<void> {
    await this.engine
      .call(() => this.container.remove({ force: true, v: true }))
      .catch((error) => {
        if (!isNotFound(error) && !isStatus(error, 409)) throw error;
      });
  }
}

/** Reads one line of the engine's event stream; returns undefined for other events. */
function parseContainerEvent(line: string): ContainerEvent | undefined {
  if (line.trim() === '') return undefined;
  const event = JSON.parse(line) as {
    Action?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
    timeNano?: number;
  };
  const { Action: action, Actor: actor } = event;
  const known = action === 'create' || action === 'start' || action === 'die';
  if (!known || actor?.ID === undefined) return undefined;
  const attributes = actor.Attributes ?? {};
  const exitCode = attributes.exitCode === undefined ? undefined : Number(attributes.exitCode);
  return {
    containerId: actor.ID,
    action,
    labels: attributes,
    exitCode,
    timeMs: (event.timeNano ?? 0) / 1e6,
  };
}

function isStatus(error: unknown, status: number): boolean {
  return (error as { statusCode?: number }).statusCode === status;
}

function isNotFound(error: unknown): boolean {
  return isStatus(error, 404);
}

/** Recognises the engine's "cannot exec the command" errors, which are the user's error, not ours. */
function asCommandError(error: unknown): CommandNotRunnableError | undefined {
  const message = String(
    (error as { json?: { message?: string } }).json?.message ?? (error as Error).message,
  );
  if (/executable file not found|no such file or directory/i.test(message)) {
    return new CommandNotRunnableError(
      `The command could not be found in the image: ${message}`,
      127,
      {
        cause: error,
      },
    );
  }
  if (/permission denied/i.test(message)) {
    return new CommandNotRunnableError(`The command is not executable: ${message}`, 126, {
      cause: error,
    });
  }
  return undefined;
}

/** Returns the first host address of an IPv4 subnet such as 172.17.0.0/16, or undefined. */
function firstHostAddress(subnet: string | undefined): string | undefined {
  const match = subnet === undefined ? null : /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/\d+$/.exec(subnet);
  if (match === null) return undefined;
  const [, a, b, c, d] = match;
  return `${a}.${b}.${c}.${Number(d) + 1}`;
}
