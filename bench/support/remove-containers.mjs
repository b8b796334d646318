import { execa } from 'execa';

const DOCKER_TIMEOUT_MS = 60_000;

/** Force-removes every container, running or exited, labelled `key=value`, and returns how many. */
export async function removeLabelledContainers(key, value) {
  const filter = `label=${key}=${value}`;
  const listing = await execa('docker', ['ps', '--all', '--quiet', '--filter', filter], {
    timeout: DOCKER_TIMEOUT_MS,
  });
  const ids = listing.stdout.split('\n').filter((id) => id !== '');
  if (ids.length > 0) {
    await execa('docker', ['rm', '--force', ...ids], { timeout: DOCKER_TIMEOUT_MS });
  }
  return ids.length;
}
