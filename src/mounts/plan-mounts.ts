import { InvalidInputError } from '../errors/index.js';
import { DEFAULT_MOUNT_PATH, normaliseMountPath } from './mount-path.js';

export type ExecutionKind = 'docker' | 'compose' | 'python';

/** The bucket options of a run request, as the API or the CLI received them. */
export interface MountRequest {
  /** `enable_s3_mount`; undefined means the execution kind's default. */
  enableS3Mount?: boolean | undefined;
  /** `s3_mount_path`; undefined means the default `/mnt/s3`. */
  s3MountPath?: string | undefined;
}

/** How a run sees the account's bucket. */
export type MountPlan =
  | { kind: 'none'; credentials: boolean }
  | { kind: 'bucket'; containerPath: string; readOnly: false; credentials: false };

/**
 * Decides how a run of the given execution kind sees the bucket. Docker runs mount it by default,
 * Compose runs only when they opt in, Python runs never, but they get temporary credentials instead.
 * Throws InvalidInputError for contradictory options or a mount path that breaks a rule.
 */
export function planMounts(kind: ExecutionKind, request: MountRequest): MountPlan {
  if (kind === 'python') {
    return { kind: 'none', credentials: true };
  }

  const enabledByDefault = kind === 'docker';
  const enabled = request.enableS3Mount ?? enabledByDefault;
  const pathGiven = request.s3MountPath !== undefined;

  if (!enabled) {
    if (pathGiven && request.enableS3Mount === false) {
      throw new InvalidInputError(
        `The mount is turned off but a mount path (${JSON.stringify(request.s3MountPath)}) was given; ` +
          'drop one of the two options.',
      );
    }
    if (pathGiven && kind === 'compose') {
      throw new InvalidInputError(
        `A mount path (${JSON.stringify(request.s3MountPath)}) was given, but Compose runs mount the ` +
          'bucket only when enable_s3_mount is true (--enable-s3-mount); add it or drop the path.',
      );
    }
    return { kind: 'none', credentials: false };
  }

  const containerPath = normaliseMountPath(request.s3MountPath ?? DEFAULT_MOUNT_PATH);
  return { kind: 'bucket', containerPath, readOnly: false, credentials: false };
}
