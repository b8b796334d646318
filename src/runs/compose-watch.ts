import { SystemFailureError } from '../errors/index.js';
import type { ContainerEngine, ContainerState, ManagedContainer } from './container-engine.js';
import { COMPOSE_LABEL_CONTAINER_NUMBER, COMPOSE_LABEL_SERVICE } from './labels.js';
import { ServiceOutput, type LineSink } from './service-output.js';

/** A container of a Compose project with the service it runs. */
export interface ServiceContainer {
  service: string;
  /** The prefix of its output lines: the service name, and the replica number when there are several. */
  label: string;
  container: ManagedContainer;
}

/** The containers of a started Compose project, followed until the run ends. */
export interface ComposeWatch {
  /**
   * Resolves with the main service's exit code when it exits, or, without a main service, with
   * the run's exit code once every container has exited.
   */
  ended: Promise<number>;
  /** Resolves once every container's output has ended. */
  outputDone: Promise<void>;
}

/** Finds the project's containers by the run id label and names each after its service. */
export async function findServiceContainers(
  engine: ContainerEngine,
  labels: Record<string, string>,
): Promise<ServiceContainer[]> {
  const summaries = await engine.listManaged(labels);
  const services = summaries.map((summary) => summary.labels[COMPOSE_LABEL_SERVICE] ?? summary.id);
  const replicated = new Set(
    services.filter((service, index) => services.indexOf(service) !== index),
  );
  return summaries
    .map((summary, index) => {
      const service = services[index] ?? summary.id;
      const number = summary.labels[COMPOSE_LABEL_CONTAINER_NUMBER] ?? '1';
      const label = replicated.has(service) ? `${service}-${number}` : service;
      return { service, label, container: engine.get(summary.id) };
    })
    .sort((a, b) => a.label.localeCompare(b.label));
}

/** Follows the output of every container into `sink`, prefixed by service, and waits for their exits. */
export async function watchServiceContainers(
  containers: readonly ServiceContainer[],
  mainService: string | undefined,
  sink: LineSink,
): Promise<ComposeWatch> {
  const output = new ServiceOutput(
    sink,
    containers.map((entry) => entry.label),
  );
  const streams = await Promise.all(
    containers.map(async (entry) => {
      const prefixed = output.stream(entry.label);
      const logs = await entry.container.followLogs((chunk) => prefixed.write(chunk));
      // Wrapped, because an async function that returns a promise would wait for it to settle.
      return { ended: logs.ended.then(() => prefixed.end()) };
    }),
  );
  const outputDone = Promise.all(streams.map((stream) => stream.ended)).then(() => undefined);

  if (mainService === undefined) {
    return { ended: waitForAll(containers), outputDone };
  }
  const main = containers.find((entry) => entry.service === mainService);
  if (main === undefined) {
    throw new SystemFailureError(
      `The main service ${JSON.stringify(mainService)} has no container; ` +
        'check that it is not scaled to 0 and that Compose could start it.',
    );
  }
  return { ended: main.container.waitUntilStopped(), outputDone };
}

async function waitForAll(containers: readonly ServiceContainer[]): Promise<number> {
  await Promise.all(containers.map((entry) => entry.container.waitUntilStopped()));
  const states = await Promise.all(containers.map((entry) => entry.container.state()));
  return firstFailure(states);
}

/** Returns the exit code of the container that failed first, or 0 when none failed. */
export function firstFailure(
  states: readonly Pick<ContainerState, 'exitCode' | 'finishedAt'>[],
): number {
  const failed = states
    .filter((state) => state.exitCode !== 0)
    // Docker drops trailing zeros from the nanoseconds, so the texts do not sort as times do.
    .sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
  return failed[0]?.exitCode ?? 0;
}
