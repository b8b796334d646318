import { execa } from 'execa';

const DOCKER_TIMEOUT_MS = 60_000;

/**
 * Takes down Compose projects by name with their containers, networks and volumes. Compose v2
 * finds a project's resources by its labels, so no Compose file is needed.
 */
export async function removeComposeProjects(names) {
  for (const name of names) {
    await execa('docker', ['compose', '-p', name, 'down', '--volumes', '--remove-orphans'], {
      timeout: DOCKER_TIMEOUT_MS,
    });
  }
}
