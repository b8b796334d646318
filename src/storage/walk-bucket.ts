import { lstat, readdir } from 'node:fs/promises';
import { compareKeys } from './object-key.js';
import type { ContainedDirectory } from './contained-directory.js';

/** A regular file found in a bucket, with its key and the folder it sits in. */
export interface WalkEntry {
  key: string;
  name: string;
  folder: ContainedDirectory;
  size: number;
  mtimeNs: bigint;
  mtime: Date;
}

/**
 * Yields the regular files below `folder` in S3 key order, skipping symbolic links and special files.
 * `keyPrefix` is the key of `folder` followed by `/` (or empty at the bucket root), and only keys
 * starting with `namePrefix` after it are visited. Each sub-folder is opened through
 * ContainedDirectory, so a link swapped in during the walk cannot lead it out of the bucket.
 */
export async function* walkBucket(
  folder: ContainedDirectory,
  boundary: string,
  keyPrefix: string,
  namePrefix = '',
): AsyncGenerator<WalkEntry> {
  const entries = await readdir(folder.path, { withFileTypes: true }).catch(ignoreVanished);
  // A folder "a" sorts as "a/" so that "a-b" (0x2d) comes before "a/x" (0x2f), as S3 orders keys.
  const sorted = entries
    .filter((entry) => entry.name.startsWith(namePrefix))
    .filter((entry) => entry.isDirectory() || entry.isFile())
    .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
    .sort((left, right) => compareKeys(left.sortKey, right.sortKey));

  for (const { entry } of sorted) {
    if (entry.isDirectory()) {
      const child = await folder.openDescendant([entry.name], boundary).catch(() => undefined);
      if (child === undefined) continue;
      try {
        yield* walkBucket(child, boundary, `${keyPrefix}${entry.name}/`);
      } finally {
        await child.close();
      }
      continue;
    }
    const stats = await lstat(folder.entryPath(entry.name), { bigint: true }).catch(
      () => undefined,
    );
    if (stats === undefined || !stats.isFile()) continue;
    yield {
      key: `${keyPrefix}${entry.name}`,
      name: entry.name,
      folder,
      size: Number(stats.size),
      mtimeNs: stats.mtimeNs,
      mtime: new Date(Number(stats.mtimeMs)),
    };
  }
}

function ignoreVanished(error: NodeJS.ErrnoException): never[] {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
  throw error;
}
