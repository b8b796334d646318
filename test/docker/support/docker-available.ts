import { inject } from 'vitest';

const reason = inject('dockerUnavailableReason');
if (reason !== null) console.warn(`Skipping Docker tests: ${reason}`);

/** True when the Docker tests can run; they skip with the reason printed otherwise. */
export const dockerAvailable = reason === null;
