import { serviceMounts } from './service-mounts.js';

/** A mount of a service at the bucket's mount path, or inside it. */
export interface MountConflict {
  service: string;
  /** The kind of mount: volume, bind, tmpfs, or mount for other kinds. */
  kind: string;
  target: string;
}

/**
 * Lists the services that already mount something at `mountPath` or inside it. Mounting the
 * bucket there would replace the service's own mount, or hide files of the bucket behind it.
 */
export function findMountConflicts(
  services: Record<string, Record<string, unknown>>,
  mountPath: string,
): MountConflict[] {
  const conflicts: MountConflict[] = [];
  for (const [service, definition] of Object.entries(services)) {
    for (const mount of serviceMounts(definition)) {
      const { target } = mount;
      if (target === undefined) continue;
      if (target === mountPath || target.startsWith(`${mountPath}/`)) {
        const kind = mount.kind === 'other' ? 'mount' : mount.kind;
        conflicts.push({ service, kind, target });
      }
    }
  }
  return conflicts;
}
