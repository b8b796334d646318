import { SystemFailureError } from '../errors/index.js';
import type {
  ContainerEngine,
  ContainerEvent,
  EventSubscription,
  ManagedContainer,
  OutputStream,
} from './container-engine.js';
import { COMPOSE_LABEL_CONTAINER_NUMBER, COMPOSE_LABEL_SERVICE } from './labels.js';
import { ServiceOutput, type LineSink, type PrefixedStream } from './service-output.js';

export interface ComposeWatchOptions {
  engine: ContainerEngine;
  /** Labels that every container of the project has, and no other container. */
  labels: Record<string, string>;
  /** The services of the Compose file; their names set the width of the output prefixes. */
  services: readonly { name: string; tty: boolean }[];
  mainService: string | undefined;
  sink: LineSink;
}

/** The containers of a started project, followed until the run ends. */
export interface WatchedProject {
  containers: ManagedContainer[];
  /**
   * Resolves with the main service's exit code when it exits, or, without a main service, with
   * the exit code of the container that failed first once every container has exited, else 0.
   */
  ended: Promise<number>;
  /** Resolves once every container's output has ended. */
  outputDone: Promise<void>;
}

interface Exit {
  exitCode: number;
  timeMs: number;
}

/**
 * Follows the containers of one Compose project: their output, prefixed by service, and their
 * exits. Subscribed before Compose starts the project, it follows each container's logs from the
 * start when the engine reports that it started, and learns each exit from the die event.
 * Calls for a container that has just started or exited wait until the engine has cleaned up
 * after its exit, which took about 100 ms for a container that exits at once (Docker 20.10).
 */
export class ComposeWatch {
  private readonly output: ServiceOutput;
  private readonly outputs = new Map<string, Promise<void>>();
  private readonly exits = new Map<string, { promise: Promise<Exit>; resolve(exit: Exit): void }>();
  private subscription: EventSubscription | undefined;

  private constructor(private readonly options: ComposeWatchOptions) {
    this.output = new ServiceOutput(
      options.sink,
      options.services.map((service) => service.name),
    );
  }

  /** Subscribes to the project's container events. Call before Compose starts the project. */
  static async subscribe(options: ComposeWatchOptions): Promise<ComposeWatch> {
    const watch = new ComposeWatch(options);
    watch.subscription = await options.engine.watchContainers(options.labels, (event) =>
      watch.onEvent(event),
    );
    return watch;
  }

  /**
   * Finds the project's containers once Compose has started them, and follows those the events
   * have not yet brought. Exits that the events miss are read from the engine.
   */
  async follow(): Promise<WatchedProject> {
    const { engine, labels, mainService } = this.options;
    const summaries = await engine.listManaged(labels);
    const exits = summaries.map((summary) => {
      this.followOutput(summary.id, summary.labels);
      const container = engine.get(summary.id);
      const exit = Promise.race([this.exitOf(summary.id).promise, readExit(container)]);
      return { service: summary.labels[COMPOSE_LABEL_SERVICE], container, exit };
    });
    const outputDone = Promise.all(this.outputs.values()).then(() => undefined);

    let ended: Promise<number>;
    if (mainService === undefined) {
      ended = Promise.all(exits.map((entry) => entry.exit)).then(firstFailure);
    } else {
      const main = exits.find((entry) => entry.service === mainService);
      if (main === undefined) {
        this.close();
        throw new SystemFailureError(
          `The main service ${JSON.stringify(mainService)} has no container; ` +
            'check that it is not scaled to 0 and that Compose could start it.',
        );
      }
      ended = main.exit.then((exit) => exit.exitCode);
    }
    return {
      containers: exits.map((entry) => entry.container),
      ended: ended.finally(() => this.close()),
      outputDone,
    };
  }

  close(): void {
    this.subscription?.close();
    this.subscription = undefined;
  }

  private onEvent(event: ContainerEvent): void {
    if (event.action === 'start') this.followOutput(event.containerId, event.labels);
    if (event.action === 'die' && event.exitCode !== undefined) {
      this.exitOf(event.containerId).resolve({ exitCode: event.exitCode, timeMs: event.timeMs });
    }
  }

  /**
   * Follows a started container's logs from their beginning. An attach made while Compose starts
   * the container would race the start: the engine sent lines written meanwhile twice, once from
   * the log and once live. A logging driver that the engine cannot read back, such as `none`,
   * falls back to an attach, which gets only what comes after it.
   */
  private followOutput(containerId: string, labels: Record<string, string>): void {
    if (this.outputs.has(containerId)) return;
    const service = this.options.services.find(
      (entry) => entry.name === labels[COMPOSE_LABEL_SERVICE],
    );
    const prefixed = this.output.stream(outputLabel(labels, containerId));
    const container = this.options.engine.get(containerId);
    const write = (chunk: Buffer) => prefixed.write(chunk);
    const followed = container
      .followLogs(write)
      .catch(() => container.attachOutput(write, { tty: service?.tty === true }));
    this.outputs.set(containerId, ended(followed, prefixed));
  }

  private exitOf(containerId: string) {
    let exit = this.exits.get(containerId);
    if (exit === undefined) {
      let resolve!: (value: Exit) => void;
      const promise = new Promise<Exit>((settle) => (resolve = settle));
      exit = { promise, resolve };
      this.exits.set(containerId, exit);
    }
    return exit;
  }
}

/** Resolves once an output stream has ended and its last line is written. */
async function ended(stream: Promise<OutputStream>, prefixed: PrefixedStream): Promise<void> {
  await (
    await stream
  ).ended;
  prefixed.end();
}

/** Waits through the engine until a container has stopped, and returns its exit. */
async function readExit(container: ManagedContainer): Promise<Exit> {
  await container.waitUntilStopped();
  const state = await container.state();
  return { exitCode: state.exitCode, timeMs: Date.parse(state.finishedAt) };
}

/** Names a container's output after its service, with the replica number from the second on. */
function outputLabel(labels: Record<string, string>, containerId: string): string {
  const service = labels[COMPOSE_LABEL_SERVICE] ?? containerId.slice(0, 12);
  const number = labels[COMPOSE_LABEL_CONTAINER_NUMBER] ?? '1';
  return number === '1' ? service : `${service}-${number}`;
}

/** Returns the exit code of the container that failed first, or 0 when none failed. */
export function firstFailure(exits: readonly Exit[]): number {
  const failed = exits.filter((exit) => exit.exitCode !== 0).sort((a, b) => a.timeMs - b.timeMs);
  return failed[0]?.exitCode ?? 0;
}
