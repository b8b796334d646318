import { inject } from 'vitest';
import type { ComposeRelease } from '../global-setup.js';
import { dockerAvailable } from './docker-available.js';

/** True when the Compose tests of `release` can run; they skip with the reason printed otherwise. */
export function composeAvailable(release: ComposeRelease): boolean {
  const reason = inject('composeUnavailableReasons')[release];
  if (reason !== null) console.warn(`Skipping Compose ${release} tests: ${reason}`);
  return dockerAvailable && reason === null;
}
