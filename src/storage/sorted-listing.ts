import { readdir } from 'node:fs/promises';
import { compareKeys } from './object-key.js';
import type { ContainedDirectory } from './contained-directory.js';

/** A folder entry that can hold objects, with the name it sorts by in S3 key order. */
export interface ListingEntry {
  name: string;
  isFolder: boolean;
  /** The name, with `/` after a folder's, so "a-b" (0x2d) sorts before the folder "a" ("a/"). */
  sortName: string;
  /** The same as UTF-8 bytes, for comparisons in key order. */
  sortBytes: Buffer;
}

const CACHED_FOLDERS = 32;

/**
 * Lists folders in S3 key order, keeping the last few listings for as long as the folder's
 * modification time is unchanged (adding, removing or renaming an entry changes it). Paging
 * through a large folder then sorts it once, not once per page.
 */
export class SortedListingCache {
  private readonly cache = new Map<string, { mtimeNs: bigint; entries: ListingEntry[] }>();

  async list(folder: ContainedDirectory): Promise<ListingEntry[]> {
    const stats = await folder.stat();
    const cached = this.cache.get(folder.realPath);
    if (cached !== undefined && cached.mtimeNs === stats.mtimeNs) {
      // Refresh the entry's place, so the cache drops the least recently used folder first.
      this.cache.delete(folder.realPath);
      this.cache.set(folder.realPath, cached);
      return cached.entries;
    }
    const entries = (await readdir(folder.path, { withFileTypes: true }).catch(ignoreVanished))
      .filter((entry) => entry.isDirectory() || entry.isFile())
      .map((entry) => {
        const sortName = entry.isDirectory() ? `${entry.name}/` : entry.name;
        return {
          name: entry.name,
          isFolder: entry.isDirectory(),
          sortName,
          sortBytes: Buffer.from(sortName),
        };
      })
      .sort((left, right) => Buffer.compare(left.sortBytes, right.sortBytes));
    this.cache.delete(folder.realPath);
    this.cache.set(folder.realPath, { mtimeNs: stats.mtimeNs, entries });
    if (this.cache.size > CACHED_FOLDERS) this.cache.delete(this.cache.keys().next().value!);
    return entries;
  }
}

/** Returns the index of the first entry whose key may come after `startAfter`. */
export function firstIndexAfter(
  entries: ListingEntry[],
  keyPrefix: string,
  startAfter: string | undefined,
): number {
  if (startAfter === undefined || !startAfter.startsWith(keyPrefix)) {
    return startAfter !== undefined && compareKeys(startAfter, keyPrefix) > 0 ? entries.length : 0;
  }
  // Within this folder: entries whose sort name is at most the rest of startAfter are behind it,
  // except a folder that startAfter lies inside, whose later keys still follow.
  const rest = Buffer.from(startAfter.slice(keyPrefix.length));
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (Buffer.compare(entries[middle]!.sortBytes, rest) <= 0) low = middle + 1;
    else high = middle;
  }
  const previous = entries[low - 1];
  if (
    previous?.isFolder &&
    rest.subarray(0, previous.sortBytes.length).equals(previous.sortBytes)
  ) {
    return low - 1;
  }
  return low;
}

function ignoreVanished(error: NodeJS.ErrnoException): never[] {
  if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
  throw error;
}
