import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { expect } from 'vitest';
import { dataDirLayout } from '../../../src/config/data-dir.js';
import { composeProjectName } from '../../../src/runs/compose-project.js';

const docker = new Docker();

/** The containers, networks and volumes that Compose labelled with the run's project name. */
export async function composeProjectResources(runId: string) {
  const filters = JSON.stringify({
    label: [`com.docker.compose.project=${composeProjectName(runId)}`],
  });
  const [containers, networks, volumes] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
    docker.listVolumes({ filters }),
  ]);
  return { containers, networks, volumes: volumes.Volumes ?? [] };
}

/**
 * Waits until the run's project is taken down and its working files in the data directory are
 * gone. Both happen after the run's end is reported.
 */
export async function expectComposeProjectRemoved(runId: string, dataDir: string): Promise<void> {
  const workingFiles = join(dataDirLayout(dataDir).compose, runId);
  for (let attempt = 0; attempt < 150; attempt++) {
    const { containers, networks, volumes } = await composeProjectResources(runId);
    const count = containers.length + networks.length + volumes.length;
    if (count === 0 && !existsSync(workingFiles)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const left = await composeProjectResources(runId);
  expect(left.containers.map((container) => container.Names)).toEqual([]);
  expect(left.networks.map((network) => network.Name)).toEqual([]);
  expect(left.volumes.map((volume) => volume.Name)).toEqual([]);
  expect(existsSync(workingFiles)).toBe(false);
}
