import type { PullPolicy } from '../../../../src/config/server-config.js';
import type {
  ContainerEngine,
  ContainerState,
  ManagedContainer,
  ManagedContainerSummary,
  OutputListener,
  OutputStream,
} from '../../../../src/runs/container-engine.js';

/** A container whose output and exit the test drives. */
export class FakeContainer implements ManagedContainer {
  running = true;
  exitCode = 0;
  finishedAt = '';
  stops: number[] = [];
  removed = false;
  private listeners: OutputListener[] = [];
  private endOutput!: () => void;
  private readonly outputEnded = new Promise<void>((resolve) => (this.endOutput = resolve));
  private resolveExit!: (code: number) => void;
  private readonly exited = new Promise<number>((resolve) => (this.resolveExit = resolve));

  constructor(
    readonly id: string,
    readonly labels: Record<string, string>,
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
    this.resolveExit(code);
  }

  async attachOutput(listener: OutputListener): Promise<OutputStream> {
    return this.followLogs(listener);
  }

  async followLogs(listener: OutputListener): Promise<OutputStream> {
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
    return { running: this.running, exitCode: this.exitCode, finishedAt: this.finishedAt };
  }

  async remove(): Promise<void> {
    this.removed = true;
  }
}

/** An engine that lists only the containers a test adds, and records image checks. */
export class FakeEngine implements ContainerEngine {
  readonly containers: FakeContainer[] = [];
  readonly ensured: [string, PullPolicy][] = [];
  missingImage: string | undefined;

  add(id: string, labels: Record<string, string>): FakeContainer {
    const container = new FakeContainer(id, labels);
    this.containers.push(container);
    return container;
  }

  async ping(): Promise<void> {}

  async ensureImage(image: string, policy: PullPolicy): Promise<void> {
    if (image === this.missingImage) throw new Error(`No such image: ${image}`);
    this.ensured.push([image, policy]);
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
}
