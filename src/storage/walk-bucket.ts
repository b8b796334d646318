import { lstatSync, type BigIntStats } from 'node:fs';
import type { ContainedDirectory } from './contained-directory.js';
import { MAX_KEY_BYTES } from './object-key.js';
import { firstIndexAfter, type SortedListingCache } from './sorted-listing.js';

/** A regular file found in a bucket, with its key and the folder it sits in. */
export interface WalkEntry {
  key: string;
  name: string;
  folder: ContainedDirectory;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  mtime: Date;
}

/**
 * Yields the regular files below `folder` in S3 key order, skipping symbolic links and special files.
 * `keyPrefix` is the key of `folder` followed by `/` (or empty at the bucket root), and only keys
 * starting with `namePrefix` after it, and after `startAfter`, are visited: skipped parts of the
 * tree are never read. Each sub-folder is opened through ContainedDirectory, so a link swapped in
 * during the walk cannot lead it out of the bucket.
 */
export async function* walkBucket(
  folder: ContainedDirectory,
  boundary: string,
  keyPrefix: string,
  options: { namePrefix?: string; startAfter?: string | undefined; listings: SortedListingCache },
): AsyncGenerator<WalkEntry> {
  const { namePrefix = '', startAfter, listings } = options;
  if (Buffer.byteLength(keyPrefix) >= MAX_KEY_BYTES) return;
  const entries = await listings.list(folder);
  const prefixBytes = Buffer.from(namePrefix);
  for (
    let index = firstIndexAfter(entries, keyPrefix, startAfter);
    index < entries.length;
    index++
  ) {
    const entry = entries[index]!;
    if (!entry.name.startsWith(namePrefix)) {
      // Names that start with the prefix form one block in byte order; past it, nothing matches.
      if (Buffer.compare(entry.sortBytes, prefixBytes) > 0) break;
      continue;
    }
    if (entry.isFolder) {
      const child = await folder.openDescendant([entry.name], boundary).catch(() => undefined);
      if (child === undefined) continue;
      try {
        yield* walkBucket(child, boundary, `${keyPrefix}${entry.name}/`, { startAfter, listings });
      } finally {
        await child.close();
      }
      continue;
    }
    const key = `${keyPrefix}${entry.name}`;
    // A run can make paths longer than a key may be; no request could read or delete them.
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) continue;
    const stats = statusOf(folder.entryPath(entry.name));
    if (stats === undefined || !stats.isFile()) continue;
    yield {
      key,
      name: entry.name,
      folder,
      size: Number(stats.size),
      mtimeNs: stats.mtimeNs,
      ctimeNs: stats.ctimeNs,
      ino: stats.ino,
      mtime: new Date(Number(stats.mtimeMs)),
    };
  }
}

/** Returns an entry's status without following a link, or undefined when it cannot be read. */
function statusOf(path: string): BigIntStats | undefined {
  try {
    return lstatSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
