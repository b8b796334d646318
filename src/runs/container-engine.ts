import type { PullPolicy } from '../config/server-config.js';

export interface BindMount {
  source: string;
  target: string;
  readOnly: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command: string[] | undefined;
  env: string[];
  labels: Record<string, string>;
  mounts: BindMount[];
  workingDir?: string | undefined;
  /** Runs the engine's init process as PID 1, which passes signals on and reaps children. */
  init?: boolean;
  /** Linux capabilities taken from the container, such as MKNOD. */
  capDrop?: string[];
  /** The network to join in place of the default bridge. */
  network?: string;
}

export interface ManagedContainerSummary {
  id: string;
  labels: Record<string, string>;
  running: boolean;
}

export type OutputListener = (chunk: Buffer) => void;

/** A container starting or exiting, as the engine reports it. */
export interface ContainerEvent {
  containerId: string;
  action: 'create' | 'start' | 'die';
  /** The labels of the container. */
  labels: Record<string, string>;
  /** The exit code of a `die` event. */
  exitCode: number | undefined;
  /** When the engine stamped the event, in milliseconds since the epoch. */
  timeMs: number;
}

/** A subscription to container events; `close` ends it. */
export interface EventSubscription {
  close(): void;
}

export interface AttachOptions {
  /** True for a container created with a TTY, whose output is one raw stream. */
  tty?: boolean;
}

/** An attached output stream; `ended` resolves once the container's output is complete. */
export interface OutputStream {
  ended: Promise<void>;
}

export interface ContainerState {
  running: boolean;
  exitCode: number;
  /** When the container last started, as the engine's ISO-8601 time; the year 1 if it never did. */
  startedAt: string;
  /** When the container last exited, as the engine's ISO-8601 time. */
  finishedAt: string;
}

/**
 * Returns when a container last exited, from its state, or undefined while it runs or when the
 * engine has no time for it (a container that never ran reports the year 1).
 */
export async function exitTime(container: ManagedContainer): Promise<Date | undefined> {
  const state = await container.state();
  return state.running ? undefined : engineTime(state.finishedAt);
}

/** Returns when a container last started, or undefined when it never started. */
export async function startTime(container: ManagedContainer): Promise<Date | undefined> {
  return engineTime((await container.state()).startedAt);
}

/** Tells whether a container has never been started, as one the server created and then lost. */
export function neverStarted(state: ContainerState): boolean {
  return !state.running && engineTime(state.startedAt) === undefined;
}

/** Parses an engine time; the engine reports the year 1 for a time that never happened. */
function engineTime(text: string): Date | undefined {
  const time = Date.parse(text);
  return Number.isNaN(time) || time <= 0 ? undefined : new Date(time);
}

/** A container the server created and drives through its life. */
export interface ManagedContainer {
  readonly id: string;
  /** Streams the container's stdout and stderr to `listener`. Call before start. */
  attachOutput(listener: OutputListener, options?: AttachOptions): Promise<OutputStream>;
  /** Streams all output since the container was created. For runs resumed after a restart. */
  followLogs(listener: OutputListener): Promise<OutputStream>;
  /** Resolves with the exit code of the next exit. Call before start. */
  waitForExit(): Promise<number>;
  /** Resolves with the exit code once the container is not running, at once if it has exited. */
  waitUntilStopped(): Promise<number>;
  start(): Promise<void>;
  /** Sends the image's stop signal, then kills after `graceSeconds`. */
  stop(graceSeconds: number): Promise<void>;
  state(): Promise<ContainerState>;
  /** Unpacks a tar archive into the container's file system at `path`, before start. */
  putArchive(path: string, archive: Buffer): Promise<void>;
  /** The container's environment variables, as `NAME=value` strings. */
  environment(): Promise<string[]>;
  remove(): Promise<void>;
}

/** The part of the Docker engine that runs use; dockerode implements it, unit tests fake it. */
/** An engine network as runs see it: its name, driver, driver options and labels. */
export interface NetworkInfo {
  name: string;
  driver: string;
  /** Driver options, such as `com.docker.network.bridge.enable_icc`. */
  options: Record<string, string>;
  labels: Record<string, string>;
}

export interface ContainerEngine {
  /** Throws EngineUnavailableError when the engine cannot be reached. */
  ping(): Promise<void>;
  /** Makes sure the image is present under the pull policy; throws SystemFailureError otherwise. */
  ensureImage(image: string, policy: PullPolicy): Promise<void>;
  /** Returns the user a present image runs as (its `User` setting), or '' for the default, root. */
  imageUser(image: string): Promise<string>;
  create(spec: ContainerSpec): Promise<ManagedContainer>;
  get(id: string): ManagedContainer;
  listManaged(labels: Record<string, string>): Promise<ManagedContainerSummary[]>;
  /**
   * Passes the start and exit of every container with all of `labels` to `listener`, from the
   * moment the returned promise resolves until the subscription is closed.
   */
  watchContainers(
    labels: Record<string, string>,
    listener: (event: ContainerEvent) => void,
  ): Promise<EventSubscription>;
  /** The gateway address of the default bridge network, where containers reach the host. */
  bridgeGateway(): Promise<string | undefined>;
  /**
   * Creates the bridge network on which containers cannot reach one another, unless it exists.
   * Containers on it still reach the host, and the host reaches them.
   */
  ensureIsolatedNetwork(name: string): Promise<void>;
  /** Describes the network that `name` names, or an id or id prefix, or undefined without one. */
  inspectNetwork(name: string): Promise<NetworkInfo | undefined>;
}
