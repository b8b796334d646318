import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { md5OfFile, type PositionalReader } from './file-md5.js';

/** An open file that can also report its status. */
export interface DescribedFile extends PositionalReader {
  stat(options: { bigint: true }): Promise<BigIntStats>;
}

/**
 * Size limit for files written outside the API whose ETag is their MD5. Hashing reads the whole
 * file, so a larger file gets a version ETag instead, and listing or reading it costs no hash.
 */
export const MAX_HASHED_FILE_BYTES = 16 * 1024 * 1024;

/**
 * ETags for files that changed behind the store's back, such as files a run wrote through its
 * mount. Callers that ask for the same version of a file at once share one hash.
 */
export class DerivedEtags {
  private readonly pending = new Map<string, Promise<string>>();

  /** Returns the ETag of the open file's current content; `stats` must come from the same handle. */
  derive(handle: DescribedFile, stats: BigIntStats): Promise<string> {
    if (stats.size > BigInt(MAX_HASHED_FILE_BYTES)) return Promise.resolve(versionEtag(stats));
    const version = versionOf(stats);
    const shared = this.pending.get(version);
    if (shared !== undefined) return shared;
    const hashing = hashUnlessChanged(handle, stats).finally(() => this.pending.delete(version));
    this.pending.set(version, hashing);
    return hashing;
  }
}

/**
 * Builds an ETag in S3's multipart form that names one version of a file. It changes whenever the
 * file's size, inode, modification time or status change time does, and costs no read. Like a
 * multipart ETag, it is not the MD5 of the content.
 */
export function versionEtag(stats: BigIntStats): string {
  return `${createHash('md5').update(versionOf(stats)).digest('hex')}-1`;
}

function versionOf(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`;
}

/** Hashes the file, and falls back to a version ETag when the file changed during the read. */
async function hashUnlessChanged(handle: DescribedFile, stats: BigIntStats): Promise<string> {
  const md5 = await md5OfFile(handle, Number(stats.size));
  const after = await handle.stat({ bigint: true });
  if (versionOf(after) !== versionOf(stats)) return versionEtag(stats);
  return md5;
}
