import type { SqliteDatabase } from '../db/database.js';

/** Object metadata the store keeps beside the bytes. */
export interface ObjectMetadata {
  key: string;
  size: number;
  /** The file's modification time in nanoseconds, as a decimal string; the cache entry is valid only while it matches. */
  mtimeNs: string;
  /**
   * The file's status change time in nanoseconds, which no write can set back. Null for entries
   * recorded before it was kept, which are checked by size and modification time only.
   */
  ctimeNs: string | null;
  /**
   * The file's inode number, as a decimal string. Two versions renamed into place within one clock
   * tick share their size and times, and only this distinguishes them. Null for older entries.
   */
  ino: string | null;
  etag: string;
  contentType: string | null;
  userMetadata: Record<string, string> | null;
  /** The checksums an upload declared and the server verified, by header name, such as x-amz-checksum-crc32. */
  checksums: Record<string, string> | null;
}

interface MetadataRow {
  key: string;
  size: number;
  mtime_ns: string;
  ctime_ns: string | null;
  ino: string | null;
  etag: string;
  content_type: string | null;
  user_metadata: string | null;
  checksums: string | null;
}

/** Entries kept in memory at most; the oldest goes first. */
const MAX_RECENT_ENTRIES = 10_000;

/**
 * Object metadata kept in SQLite, outside every bucket directory, so runs never see it. Only the
 * server that locks the data directory writes object metadata, so recent entries are also kept in
 * memory, which spares every GetObject a query. Readers check an entry against the file either way.
 */
export class MetadataIndex {
  private readonly recent = new Map<string, Readonly<ObjectMetadata>>();
  private readonly selectOne;
  private readonly selectRange;
  private readonly upsert;
  private readonly upsertUnlessSameFile;
  private readonly deleteOne;
  private readonly deleteRange;

  constructor(db: SqliteDatabase) {
    this.selectOne = db.prepare<[string, string], MetadataRow>(
      'SELECT key, size, mtime_ns, ctime_ns, ino, etag, content_type, user_metadata, checksums FROM object_metadata WHERE bucket = ? AND key = ?',
    );
    this.selectRange = db.prepare<[string, string, string], MetadataRow>(
      'SELECT key, size, mtime_ns, ctime_ns, ino, etag, content_type, user_metadata, checksums FROM object_metadata WHERE bucket = ? AND key >= ? AND key < ?',
    );
    this.upsert = db.prepare(
      `INSERT INTO object_metadata (bucket, key, size, mtime_ns, ctime_ns, ino, etag, content_type, user_metadata, checksums)
       VALUES (@bucket, @key, @size, @mtimeNs, @ctimeNs, @ino, @etag, @contentType, @userMetadata, @checksums)
       ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
         ctime_ns = excluded.ctime_ns, ino = excluded.ino, etag = excluded.etag, content_type = excluded.content_type,
         user_metadata = excluded.user_metadata, checksums = excluded.checksums`,
    );
    this.upsertUnlessSameFile = db.prepare(
      `INSERT INTO object_metadata (bucket, key, size, mtime_ns, ctime_ns, ino, etag, content_type, user_metadata, checksums)
       VALUES (@bucket, @key, @size, @mtimeNs, @ctimeNs, @ino, @etag, @contentType, @userMetadata, @checksums)
       ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
         ctime_ns = excluded.ctime_ns, ino = excluded.ino, etag = excluded.etag, content_type = excluded.content_type,
         user_metadata = excluded.user_metadata, checksums = excluded.checksums
       WHERE NOT (object_metadata.size = excluded.size AND object_metadata.mtime_ns = excluded.mtime_ns
         AND object_metadata.ctime_ns IS excluded.ctime_ns AND object_metadata.ino IS excluded.ino)
         AND NOT (object_metadata.ino IS NOT NULL AND object_metadata.ino IS NOT excluded.ino
           AND object_metadata.ctime_ns IS NOT NULL
           AND CAST(object_metadata.ctime_ns AS INTEGER) > CAST(excluded.ctime_ns AS INTEGER))`,
    );
    this.deleteOne = db.prepare('DELETE FROM object_metadata WHERE bucket = ? AND key = ?');
    this.deleteRange = db.prepare(
      'DELETE FROM object_metadata WHERE bucket = ? AND key >= ? AND key < ?',
    );
  }

  /** Returns the entry of one key, and keeps it in memory for the next request. */
  get(bucket: string, key: string): ObjectMetadata | undefined {
    const known = this.recent.get(entryId(bucket, key));
    if (known !== undefined) return known;
    const stored = this.select(bucket, key);
    return stored === undefined ? undefined : this.remember(bucket, stored);
  }

  /**
   * Returns the entry of one key without keeping it in memory, for listings: a listing visits
   * each key once, and would only push out the entries that requests keep using.
   */
  peek(bucket: string, key: string): ObjectMetadata | undefined {
    return this.recent.get(entryId(bucket, key)) ?? this.select(bucket, key);
  }

  /** Reads the entry of one key from the database. */
  private select(bucket: string, key: string): ObjectMetadata | undefined {
    const row = this.selectOne.get(bucket, key);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Returns every entry whose key starts with `prefix`, by key. */
  getByPrefix(bucket: string, prefix: string): Map<string, ObjectMetadata> {
    const entries = new Map<string, ObjectMetadata>();
    for (const row of this.selectRange.iterate(bucket, prefix, prefixEnd(prefix))) {
      entries.set(row.key, fromRow(row));
    }
    return entries;
  }

  put(bucket: string, metadata: ObjectMetadata): void {
    this.upsert.run(toParameters(bucket, metadata));
    this.remember(bucket, { ...metadata });
  }

  /**
   * Records metadata derived from a file, unless the entry already describes the same file (size
   * and change times), as when an upload recorded it while the file was being hashed, or another
   * file whose status changed later, as when an upload replaced the file meanwhile. Returns the
   * entry as it is afterwards.
   */
  putDerived(bucket: string, metadata: ObjectMetadata): ObjectMetadata {
    this.upsertUnlessSameFile.run(toParameters(bucket, metadata));
    // The statement may have kept the existing entry, so the stored one is read back.
    this.recent.delete(entryId(bucket, metadata.key));
    return this.peek(bucket, metadata.key) ?? metadata;
  }

  delete(bucket: string, key: string): void {
    this.deleteOne.run(bucket, key);
    this.recent.delete(entryId(bucket, key));
  }

  deleteByPrefix(bucket: string, prefix: string): void {
    this.deleteRange.run(bucket, prefix, prefixEnd(prefix));
    // Folder deletes are rare, so every entry is forgotten instead of searching for the prefix.
    this.recent.clear();
  }

  /** Keeps an entry that matches the database in memory, and returns it frozen. */
  private remember(bucket: string, metadata: ObjectMetadata): Readonly<ObjectMetadata> {
    const id = entryId(bucket, metadata.key);
    if (this.recent.size >= MAX_RECENT_ENTRIES && !this.recent.has(id)) {
      this.recent.delete(this.recent.keys().next().value!);
    }
    Object.freeze(metadata.userMetadata);
    Object.freeze(metadata.checksums);
    const entry = Object.freeze(metadata);
    this.recent.set(id, entry);
    return entry;
  }
}

/** Returns the key of an entry in memory; no bucket name contains a newline. */
function entryId(bucket: string, key: string): string {
  return `${bucket}\n${key}`;
}

/** Returns the named parameters of the upsert statements. */
function toParameters(bucket: string, metadata: ObjectMetadata): Record<string, unknown> {
  return {
    bucket,
    key: metadata.key,
    size: metadata.size,
    mtimeNs: metadata.mtimeNs,
    ctimeNs: metadata.ctimeNs,
    ino: metadata.ino,
    etag: metadata.etag,
    contentType: metadata.contentType,
    userMetadata: metadata.userMetadata === null ? null : JSON.stringify(metadata.userMetadata),
    checksums: metadata.checksums === null ? null : JSON.stringify(metadata.checksums),
  };
}

/** Returns a string greater than every string that starts with `prefix`, in SQLite's text order. */
function prefixEnd(prefix: string): string {
  return `${prefix}\u{10FFFF}`;
}

function fromRow(row: MetadataRow): ObjectMetadata {
  return {
    key: row.key,
    size: row.size,
    mtimeNs: row.mtime_ns,
    ctimeNs: row.ctime_ns,
    ino: row.ino,
    etag: row.etag,
    contentType: row.content_type,
    userMetadata:
      row.user_metadata === null ? null : (JSON.parse(row.user_metadata) as Record<string, string>),
    checksums:
      row.checksums === null ? null : (JSON.parse(row.checksums) as Record<string, string>),
  };
}
