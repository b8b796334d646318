import { InvalidInputError } from '../errors/index.js';

export function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidInputError(
      `--timeout (-t) ${JSON.stringify(value)} must be a positive number of seconds: -t sets ` +
        "the run's time limit, not a terminal as in docker run.",
    );
  }
  return seconds;
}

export function parsePullPolicy(value: string): string {
  if (!['never', 'missing', 'always'].includes(value)) {
    throw new InvalidInputError(
      `--pull ${JSON.stringify(value)} is invalid; use never, missing or always.`,
    );
  }
  return value;
}
