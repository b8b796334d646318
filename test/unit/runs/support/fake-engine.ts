import type { PullPolicy } from '../../../../src/config/server-config.js';
import type {
  AttachOptions,
  ContainerEngine,
  ContainerEvent,
  ContainerState,
  EventSubscription,
  ManagedContainer,
  ManagedContainerSummary,
  NetworkInfo,
  OutputListener,
  OutputStream,
} from '../../../../src/runs/container-engine.js';

/** A container whose output and exit the test drives. */
export class FakeContainer implements ManagedContainer {
  running = true;
  exitCode = 0;
  /** Set to the engine's year-1 time to fake a container that was created but never started. */
  startedAt = new Date().toISOString();
  finishedAt = '';
  stops: number[] = [];
  removed = false;
  attachments: AttachOptions[] = [];
  /** How many times the container's logs were followed. */
  logFollows = 0;
  /** When set, reading the logs fails, as with the `none` logging driver. */
  logsUnreadable = false;
  private listeners: OutputListener[] = [];
  private endOutput!: () => void;
  private readonly outputEnded = new Promise<void>((resolve) => (this.endOutput = resolve));
  private resolveExit!: (code: number) => void;
  private readonly exited = new Promise<number>((resolve) => (this.resolveExit = resolve));

  constructor(
    readonly id: string,
    readonly labels: Record<string, string>,
    private readonly emit: (event: ContainerEvent) => void = () => undefined,
  ) {}

  print(text: string): void {
    for (const listener of this.listeners) listener(Buffer.from(text));
  }

  exit(code: number, finishedAt = new Date().toISOString()): void {
    if (!this.running) return;
    this.running = false;
    this.exitCode = code;
    this.finishedAt = finishedAt;
    this.endOutput();
    this.emit({
      containerId: this.id,
      action: 'die',
      labels: this.labels,
      exitCode: code,
      timeMs: Date.parse(finishedAt),
    });
    this.resolveExit(code);
  }

  /** Reports the container's creation to the engine's event subscribers. */
  announceCreate(): void {
    this.emit({
      containerId: this.id,
      action: 'create',
      labels: this.labels,
      exitCode: undefined,
      timeMs: Date.now(),
    });
  }

  /** Reports the container's start to the engine's event subscribers. */
  announceStart(): void {
    this.emit({
      containerId: this.id,
      action: 'start',
      labels: this.labels,
      exitCode: undefined,
      timeMs: Date.now(),
    });
  }

  async attachOutput(listener: OutputListener, options: AttachOptions = {}): Promise<OutputStream> {
    this.attachments.push(options);
    this.listeners.push(listener);
    return { ended: this.outputEnded };
  }

  async followLogs(listener: OutputListener): Promise<OutputStream> {
    this.logFollows++;
    if (this.logsUnreadable) throw new Error('configured logging driver does not support reading');
    this.listeners.push(listener);
    return { ended: this.outputEnded };
  }

  waitForExit(): Promise<number> {
    return this.exited;
  }

  waitUntilStopped(): Promise<number> {
    return this.running ? this.exited : Promise.resolve(this.exitCode);
  }

  async start(): Promise<void> {}

  async putArchive(): Promise<void> {}

  async environment(): Promise<string[]> {
    return [];
  }

  async stop(graceSeconds: number): Promise<void> {
    this.stops.push(graceSeconds);
    this.exit(137);
  }

  async state(): Promise<ContainerState> {
    return {
      running: this.running,
      exitCode: this.exitCode,
      startedAt: this.startedAt,
      finishedAt: this.finishedAt,
    };
  }

  async remove(): Promise<void> {
    this.removed = true;
  }
}

/** An engine that lists only the containers a test adds, and records image checks. */
export class FakeEngine implements ContainerEngine {
  readonly containers: FakeContainer[] = [];
  readonly ensured: [string, PullPolicy][] = [];
  /** The isolated networks runs asked for, in order. */
  readonly networks: string[] = [];
  /** What the engine reports of its default bridge; set by tests of the run network. */
  bridgeKeepsContainersApart = false;
  /** The networks inspectNetwork finds, added by tests. */
  readonly knownNetworks: NetworkInfo[] = [];
  missingImage: string | undefined;
  /** Followers of container events; when false, the engine sends no events, as after a restart. */
  sendsEvents = true;
  private readonly watchers = new Set<{
    labels: Record<string, string>;
    listener: (event: ContainerEvent) => void;
  }>();

  add(id: string, labels: Record<string, string>): FakeContainer {
    const container = new FakeContainer(id, labels, (event) => this.publish(event));
    this.containers.push(container);
    return container;
  }

  get subscriberCount(): number {
    return this.watchers.size;
  }

  async watchContainers(
    labels: Record<string, string>,
    listener: (event: ContainerEvent) => void,
  ): Promise<EventSubscription> {
    const watcher = { labels, listener };
    this.watchers.add(watcher);
    return { close: () => this.watchers.delete(watcher) };
  }

  private publish(event: ContainerEvent): void {
    if (!this.sendsEvents) return;
    for (const { labels, listener } of this.watchers) {
      const matches = Object.entries(labels).every(([key, value]) => event.labels[key] === value);
      if (matches) listener(event);
    }
  }

  async ping(): Promise<void> {}

  async ensureImage(image: string, policy: PullPolicy): Promise<void> {
    if (image === this.missingImage) throw new Error(`No such image: ${image}`);
    this.ensured.push([image, policy]);
  }

  async imageUser(): Promise<string> {
    return '';
  }

  async create(): Promise<ManagedContainer> {
    throw new Error('FakeEngine creates no containers');
  }

  get(id: string): FakeContainer {
    const container = this.containers.find((candidate) => candidate.id === id);
    if (container === undefined) throw new Error(`No container ${id}`);
    return container;
  }

  async listManaged(labels: Record<string, string>): Promise<ManagedContainerSummary[]> {
    return this.containers
      .filter((container) =>
        Object.entries(labels).every(([key, value]) => container.labels[key] === value),
      )
      .map((container) => ({
        id: container.id,
        labels: container.labels,
        running: container.running,
      }));
  }

  async bridgeGateway(): Promise<string | undefined> {
    return undefined;
  }

  async ensureIsolatedNetwork(name: string): Promise<void> {
    this.networks.push(name);
  }

  async inspectNetwork(name: string): Promise<NetworkInfo | undefined> {
    if (name === 'bridge') {
      const icc = this.bridgeKeepsContainersApart ? 'false' : 'true';
      const options = { 'com.docker.network.bridge.enable_icc': icc };
      return { name, driver: 'bridge', options, labels: {} };
    }
    return this.knownNetworks.find((network) => network.name === name);
  }
}
