import { posix } from 'node:path';

/** A mount that a service declares in its `volumes` or `tmpfs` key. */
export interface ServiceMount {
  /** `bind` for anything from the host's file system, whatever syntax declared it. */
  kind: 'bind' | 'volume' | 'tmpfs' | 'image' | 'other';
  source: string | undefined;
  /** The path inside the container, normalised; undefined when the entry names none. */
  target: string | undefined;
  /** The entry as the file wrote it (short syntax) or its type (long syntax), for messages. */
  written: string;
}

/** Docker's rule for volume names. Any other source is a path on the host. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NOT_FROM_HOST = new Set(['tmpfs', 'image', 'cluster']);

/** Lists the mounts a service declares. Entries Compose would reject as malformed are skipped. */
export function serviceMounts(service: Record<string, unknown>): ServiceMount[] {
  const volumes = Array.isArray(service.volumes) ? service.volumes : [];
  const mounts = volumes.flatMap((entry: unknown) => {
    if (typeof entry === 'string') return [shortSyntaxMount(entry)];
    if (entry !== null && typeof entry === 'object') {
      return [longSyntaxMount(entry as Record<string, unknown>)];
    }
    return [];
  });
  return [...mounts, ...tmpfsMounts(service.tmpfs)];
}

/** Returns true for a volume source that names a path on the host rather than a volume. */
export function isHostPath(source: string): boolean {
  return !VOLUME_NAME.test(source);
}

/**
 * Reads `SOURCE:TARGET[:MODE]` or a lone `TARGET`, which is an anonymous volume. A source with a
 * drive letter, as in `c:/data:/data` or `c:data:/data`, is one host path, because Compose reads
 * it as one.
 */
function shortSyntaxMount(entry: string): ServiceMount {
  const parts = entry.split(':');
  if (parts.length === 1) {
    return { kind: 'volume', source: undefined, target: normaliseTarget(entry), written: entry };
  }
  // Compose keeps the ":" after any single letter as part of the field, as in a drive letter.
  if (/^\p{L}$/u.test(parts[0]!)) parts.splice(0, 2, `${parts[0]}:${parts[1]}`);
  const [source = '', target] = parts;
  const kind = isHostPath(source) ? 'bind' : 'volume';
  return { kind, source, target: normaliseTarget(target), written: entry };
}

/**
 * Reads `{type, source, target}`. Anything that is not plainly a volume, a tmpfs or an image
 * counts as a bind when it has a source: a path given as a volume's source, an npipe, or an
 * unknown type.
 */
function longSyntaxMount(entry: Record<string, unknown>): ServiceMount {
  const type = typeof entry.type === 'string' ? entry.type.trim().toLowerCase() : '';
  const source = typeof entry.source === 'string' ? entry.source : undefined;
  const target = typeof entry.target === 'string' ? normaliseTarget(entry.target) : undefined;
  const written = `type: ${type || '(none)'}`;
  if (NOT_FROM_HOST.has(type)) {
    const kind = type === 'tmpfs' || type === 'image' ? type : 'other';
    return { kind, source, target, written };
  }
  const fromHost = type !== 'volume' || (source !== undefined && isHostPath(source));
  if (fromHost && source !== undefined) return { kind: 'bind', source, target, written };
  return { kind: 'volume', source, target, written };
}

function tmpfsMounts(tmpfs: unknown): ServiceMount[] {
  const entries = typeof tmpfs === 'string' ? [tmpfs] : Array.isArray(tmpfs) ? tmpfs : [];
  return entries
    .filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => ({
      kind: 'tmpfs' as const,
      source: undefined,
      target: normaliseTarget(entry.split(':')[0]),
      written: entry,
    }));
}

function normaliseTarget(target: string | undefined): string | undefined {
  if (target === undefined || target.trim() === '') return undefined;
  const normalised = posix.normalize(target.trim());
  return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
}
