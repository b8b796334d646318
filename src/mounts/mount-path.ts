import { InvalidInputError } from '../errors/index.js';

export const DEFAULT_MOUNT_PATH = '/mnt/s3';

/** Folders of a container's own system that a bucket may never cover or sit inside. */
export const SYSTEM_FOLDERS = [
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/usr',
  '/boot',
  '/run',
] as const;

/**
 * Validates a mount path requested for a run and returns it normalised (one trailing `/` dropped).
 * Throws InvalidInputError naming the path and the rule it breaks.
 */
export function normaliseMountPath(requested: string): string {
  const quoted = JSON.stringify(requested);
  const example = 'for example /mnt/s3 or /data';

  if (requested.length === 0) {
    throw new InvalidInputError(`Mount path is empty; give an absolute path, ${example}.`);
  }
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(requested)) {
    throw new InvalidInputError(`Mount path ${quoted} contains a control character; remove it.`);
  }
  if (requested.includes(':') || requested.includes(',')) {
    throw new InvalidInputError(
      `Mount path ${quoted} contains ":" or ","; Docker reads those as separators, so choose a path without them.`,
    );
  }
  if (!requested.startsWith('/')) {
    throw new InvalidInputError(`Mount path ${quoted} must be absolute, ${example}.`);
  }

  const path = requested.length > 1 && requested.endsWith('/') ? requested.slice(0, -1) : requested;
  if (path === '/') {
    throw new InvalidInputError(
      `Mount path ${quoted} would cover the container's whole file system; choose a folder, ${example}.`,
    );
  }
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '')) {
    throw new InvalidInputError(
      `Mount path ${quoted} contains an empty segment ("//"); write it normalised, ${example}.`,
    );
  }
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new InvalidInputError(
      `Mount path ${quoted} contains a "." or ".." segment; write it normalised, ${example}.`,
    );
  }
  const systemFolder = SYSTEM_FOLDERS.find(
    (folder) => path === folder || path.startsWith(`${folder}/`),
  );
  if (systemFolder !== undefined) {
    throw new InvalidInputError(
      `Mount path ${quoted} is inside the system folder ${systemFolder}; choose another folder, ${example}.`,
    );
  }
  return path;
}
