import Docker from 'dockerode';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    dockerUnavailableReason: string | null;
    composeUnavailableReasons: Record<ComposeRelease, string | null>;
  }
}

export type ComposeRelease = 'v2' | 'v1';

const COMPOSE_COMMANDS: Record<ComposeRelease, string[]> = {
  v2: ['docker', 'compose'],
  v1: ['docker-compose'],
};

/** Images the Docker tests use; scripts/build-test-images.sh makes them without a registry. */
export const TEST_IMAGES = [
  'lyceum-test/busybox:1',
  'lyceum-test/busybox-nonroot:1',
  'lyceum-test/python:2',
];

/**
 * Checks for a Docker engine and the test images once. On a developer's machine without them the
 * Docker tests skip with the reason; under CI=true a missing engine or image fails the run.
 */
export default async function setup(project: TestProject): Promise<void> {
  const reason = await findProblem();
  if (reason !== null && process.env.CI === 'true') {
    throw new Error(
      `${reason} Under CI=true the Docker tests must run; run scripts/setup-host.sh first.`,
    );
  }
  project.provide('dockerUnavailableReason', reason);

  const composeReasons = { v2: await findComposeProblem('v2'), v1: await findComposeProblem('v1') };
  const composeReason = composeReasons.v2 ?? composeReasons.v1;
  if (composeReason !== null && process.env.CI === 'true') {
    throw new Error(
      `${composeReason} Under CI=true the Compose tests must run; run scripts/setup-host.sh first.`,
    );
  }
  project.provide('composeUnavailableReasons', composeReasons);
}

async function findComposeProblem(release: ComposeRelease): Promise<string | null> {
  const [file = 'docker', ...args] = COMPOSE_COMMANDS[release];
  const result = await execa(file, [...args, 'version', '--short'], { reject: false });
  if (!result.failed) return null;
  return `Compose ${release} ("${COMPOSE_COMMANDS[release].join(' ')}") is not installed; run scripts/setup-host.sh.`;
}

async function findProblem(): Promise<string | null> {
  const docker = new Docker();
  try {
    await docker.ping();
  } catch (error) {
    return `No Docker engine answers (${(error as Error).message}).`;
  }
  for (const image of TEST_IMAGES) {
    try {
      await docker.getImage(image).inspect();
    } catch {
      return `Test image ${image} is missing; run scripts/build-test-images.sh.`;
    }
  }
  return null;
}
