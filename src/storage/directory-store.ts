import { existsSync, lstatSync, type BigIntStats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, rename, rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import mime from 'mime-types';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  PreconditionFailedError,
} from '../errors/index.js';
import { grantSharedAccess } from './bucket-permissions.js';
import { ContainedDirectory, EscapedBucketError } from './contained-directory.js';
import { NotRegularFileError, ObjectFile } from './object-file.js';
import { DerivedEtags } from './derived-etags.js';
import { FolderSyncs } from './folder-syncs.js';
import {
  describeFolder,
  folderInfo,
  isFolderMarker,
  markerSegments,
  removeFolderIfEmpty,
} from './folder-markers.js';
import { KeyedLock } from './keyed-lock.js';
import type { MetadataIndex, ObjectMetadata } from './metadata-index.js';
import { compareKeys, validateObjectKey } from './object-key.js';
import type {
  ByteRange,
  ListOptions,
  ObjectInfo,
  ObjectRead,
  ObjectStore,
  StagedObject,
  WriteOptions,
} from './object-store.js';
import { writeStagedFile } from './staged-file.js';
import { SortedListingCache } from './sorted-listing.js';
import { walkBucket } from './walk-bucket.js';

const READ_CHUNK_BYTES = 1024 * 1024;
/** How often a write tries to rename its file into a folder that a run keeps removing. */
const PUBLISH_ATTEMPTS = 3;
/** Reads of up to this many bytes are made at once, without a stream. */
const SMALL_READ_BYTES = 64 * 1024;

export interface DirectoryStoreOptions {
  /** Holds one folder per bucket; created with mode 0700. */
  bucketsDir: string;
  /** Temporary upload files; must be on the same file system as `bucketsDir` so rename is atomic. */
  stagingDir: string;
  metadata: MetadataIndex;
  /** Called once when buckets cannot get shared ACLs, with the reason. */
  onWarning?: (message: string) => void;
}

/**
 * The embedded store: each bucket is a plain folder, each object a file named by its key. Writes go
 * to a staging file first and are renamed into place, so readers see whole objects only.
 */
export class DirectoryStore implements ObjectStore {
  private warnedAboutAcl = false;
  private readonly listings = new SortedListingCache();
  private readonly roots = new Map<string, ContainedDirectory>();
  private readonly folderSyncs = new FolderSyncs();
  private readonly publishLocks = new KeyedLock();
  private readonly derivedEtags = new DerivedEtags();

  constructor(private readonly options: DirectoryStoreOptions) {}

  async init(): Promise<void> {
    await mkdir(this.options.bucketsDir, { recursive: true, mode: 0o700 });
    await chmod(this.options.bucketsDir, 0o700);
    await mkdir(this.options.stagingDir, { recursive: true, mode: 0o700 });
  }

  /** Closes the bucket folders the store keeps open. */
  async close(): Promise<void> {
    const roots = [...this.roots.values()];
    this.roots.clear();
    for (const root of roots) root.closeNow();
  }

  async createBucket(bucket: string): Promise<void> {
    const folder = this.bucketPath(bucket);
    await mkdir(folder, { recursive: true, mode: 0o777 });
    await chmod(folder, 0o777);
    if (!(await grantSharedAccess(folder)) && !this.warnedAboutAcl) {
      this.warnedAboutAcl = true;
      this.options.onWarning?.(
        'Could not set default ACLs on bucket folders (is the "acl" package installed?); ' +
          "containers running as different user ids may not be able to change each other's files.",
      );
    }
  }

  async mountSource(bucket: string): Promise<string> {
    const folder = this.bucketPath(bucket);
    const stats = await lstat(folder).catch(() => undefined);
    if (stats === undefined || !stats.isDirectory()) {
      throw new NotFoundError(`Bucket ${bucket} has no folder at ${folder}.`);
    }
    return folder;
  }

  async stage(bucket: string, body: Readable, options: WriteOptions = {}): Promise<StagedObject> {
    const file = await writeStagedFile(this.options.stagingDir, body, options.maxBytes);
    let settled = false;
    return {
      size: file.size,
      etag: file.md5,
      commit: async (key, commitOptions = options) => {
        if (settled) throw new Error('Staged object was already committed or discarded.');
        settled = true;
        try {
          if (isFolderMarker(key)) {
            await unlink(file.path);
            await this.checkWriteCondition(bucket, key, commitOptions);
            return this.createFolder(bucket, key, file.size);
          }
          return await this.publish(bucket, key, file.path, file.md5, commitOptions);
        } catch (error) {
          await unlink(file.path).catch(() => undefined);
          throw error;
        }
      },
      discard: async () => {
        if (settled) return;
        settled = true;
        await unlink(file.path).catch(() => undefined);
      },
    };
  }

  async put(
    bucket: string,
    key: string,
    body: Readable,
    options: WriteOptions = {},
  ): Promise<ObjectInfo> {
    if (!isFolderMarker(key)) validateObjectKey(key);
    const staged = await this.stage(bucket, body, options);
    return staged.commit(key, options);
  }

  async head(bucket: string, key: string): Promise<ObjectInfo> {
    if (isFolderMarker(key)) return describeFolder(this.bucketRoot(bucket), key);
    const { file, stats } = this.openObject(bucket, key);
    try {
      return await this.describe(bucket, key, file, stats);
    } finally {
      file.close();
    }
  }

  async read(
    bucket: string,
    key: string,
    chooseRange?: (info: ObjectInfo) => ByteRange | undefined,
  ): Promise<ObjectRead & { range: ByteRange | undefined }> {
    if (isFolderMarker(key)) {
      const info = await describeFolder(this.bucketRoot(bucket), key);
      const content = Buffer.alloc(0);
      return { info, body: Readable.from([]), content, range: chooseRange?.(info) };
    }
    const { file, stats } = this.openObject(bucket, key);
    try {
      const info = await this.describe(bucket, key, file, stats);
      const range = chooseRange?.(info);
      const start = range?.start ?? 0;
      const length = range === undefined ? info.size : range.end - range.start + 1;
      if (length <= SMALL_READ_BYTES) {
        const content = file.readNow(start, length);
        file.close();
        return { info, body: Readable.from([content]), content, range };
      }
      const body = file.stream(start, start + length - 1, READ_CHUNK_BYTES);
      return { info, body, range };
    } catch (error) {
      file.close();
      throw error;
    }
  }

  async *list(bucket: string, options: ListOptions = {}): AsyncGenerator<ObjectInfo> {
    const prefix = options.prefix ?? '';
    const slash = prefix.lastIndexOf('/');
    const folderKey = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    const segments = folderKey === '' ? [] : folderKey.slice(0, -1).split('/');
    // No key has an empty, "." or ".." segment, so a prefix with one matches nothing. Opening
    // such a folder would list another folder's files under keys that do not exist.
    if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return;

    const root = await this.bucketRoot(bucket);
    const folder = await root.openDescendant(segments, root.realPath).catch(() => undefined);
    if (folder === undefined) return;
    try {
      const walk = walkBucket(folder, root.realPath, folderKey, {
        namePrefix,
        startAfter: options.startAfter,
        listings: this.listings,
      });
      for await (const entry of walk) {
        if (options.startAfter !== undefined && compareKeys(entry.key, options.startAfter) <= 0) {
          continue;
        }
        let metadata = this.options.metadata.peek(bucket, entry.key);
        if (metadata === undefined || !isFresh(metadata, entry)) {
          metadata = await this.deriveMetadata(
            bucket,
            entry.key,
            entry.folder,
            entry.name,
            metadata,
          );
          if (metadata === undefined) continue;
        }
        yield toInfo(metadata, entry.mtime);
      }
    } finally {
      if (folder !== root) await folder.close();
    }
  }

  async delete(bucket: string, key: string): Promise<void> {
    if (isFolderMarker(key)) {
      const root = this.bucketRoot(bucket);
      await removeFolderIfEmpty(root, key);
      // As with an object, the folders that the delete leaves empty go too.
      await removeEmptyFolders(root, markerSegments(key).slice(0, -1));
      return;
    }
    validateObjectKey(key);
    const segments = key.split('/');
    const name = segments.pop()!;
    const root = await this.bucketRoot(bucket);
    const folder = await root
      .openDescendant(segments, root.realPath)
      .catch((error) => rethrowAsMissing(error, key));
    try {
      const stats = await lstat(folder.entryPath(name)).catch(() => undefined);
      if (stats === undefined || !stats.isFile()) throw missingObject(key);
      await unlink(folder.entryPath(name)).catch((error: NodeJS.ErrnoException) => {
        // A delete of the same key at the same moment removed it first.
        throw error.code === 'ENOENT' ? missingObject(key) : error;
      });
    } finally {
      if (folder !== root) await folder.close();
    }
    this.options.metadata.delete(bucket, key);
    await removeEmptyFolders(root, segments);
  }

  async deleteFolder(bucket: string, folderPrefix: string): Promise<number> {
    const segments = folderPrefix.slice(0, -1).split('/');
    const name = segments.pop()!;
    const root = await this.bucketRoot(bucket);
    const parent = await root.openDescendant(segments, root.realPath).catch(() => undefined);
    if (parent === undefined) return 0;
    let deleted = 0;
    try {
      const target = await parent.openDescendant([name], root.realPath).catch(() => undefined);
      if (target === undefined) return 0;
      try {
        deleted = await deleteTree(target, root.realPath);
      } finally {
        await target.close();
      }
      await rmdir(parent.entryPath(name)).catch(() => undefined);
    } finally {
      if (parent !== root) await parent.close();
    }
    this.options.metadata.deleteByPrefix(bucket, folderPrefix);
    await removeEmptyFolders(root, segments);
    return deleted;
  }

  /**
   * Returns the bucket's root folder, opened once and kept open for the store's life. A run cannot
   * replace the root, which is its mount point, so only the folders below it are opened per call.
   */
  private bucketRoot(bucket: string): ContainedDirectory {
    let root = this.roots.get(bucket);
    if (root === undefined) {
      root = ContainedDirectory.openRoot(this.bucketPath(bucket));
      this.roots.set(bucket, root);
    }
    return root;
  }

  private bucketPath(bucket: string): string {
    return join(this.options.bucketsDir, bucket);
  }

  /**
   * Renames a staged file into place under `key`. A run can delete or move the key's folder
   * between the open and the rename, so a rename that finds no folder is tried again with the
   * folder made anew.
   */
  private async publish(
    bucket: string,
    key: string,
    stagedPath: string,
    md5: string,
    options: WriteOptions,
  ): Promise<ObjectInfo> {
    validateObjectKey(key);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.publishOnce(bucket, key, stagedPath, md5, options);
      } catch (error) {
        const vanished = (error as NodeJS.ErrnoException).code === 'ENOENT';
        if (!vanished || attempt >= PUBLISH_ATTEMPTS || !existsSync(stagedPath)) throw error;
      }
    }
  }

  private async publishOnce(
    bucket: string,
    key: string,
    stagedPath: string,
    md5: string,
    options: WriteOptions,
  ): Promise<ObjectInfo> {
    const segments = key.split('/');
    const name = segments.pop()!;
    const root = this.bucketRoot(bucket);
    const folder = this.openParentForWrite(root, segments, key);
    try {
      const target = folder.entryPath(name);
      if (isFolder(target)) throw folderInTheWay(key);
      // Concurrent writes of one key take turns from the rename to the metadata. Otherwise a writer
      // could read back another writer's file and record its own MD5 for it.
      return await this.publishLocks.run(`${bucket}/${key}`, async () => {
        await this.checkWriteCondition(bucket, key, options);
        const staged = lstatSync(stagedPath, { bigint: true });
        // Like creating a file, a rename waits for the journal while others fsync, so it goes to
        // the thread pool.
        await rename(stagedPath, target).catch((error: NodeJS.ErrnoException) => {
          if (!['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(error.code ?? '')) throw error;
          throw folderInTheWay(key, error);
        });
        const stats = lstatSync(target, { bigint: true, throwIfNoEntry: false });
        await this.folderSyncs.sync(folder.realPath, () => folder.sync());
        const metadata: ObjectMetadata = {
          key,
          size: Number(staged.size),
          mtimeNs: staged.mtimeNs.toString(),
          ctimeNs: (stats ?? staged).ctimeNs.toString(),
          ino: staged.ino.toString(),
          etag: options.etag ?? md5,
          contentType: options.contentType ?? guessContentType(key),
          userMetadata: options.userMetadata ?? null,
          checksums: options.checksums ?? null,
        };
        // A run may rewrite or remove the file the moment it is in place. Then the upload's MD5
        // and checksums no longer describe it, and the store derives its metadata on first use.
        // NOTE: a run that rewrites the file before the lstat above and sets its mtime back goes
        // unseen, since the rename moves the change time too. It can only mislabel its own
        // account's object, which it could rewrite anyway.
        const untouched =
          stats !== undefined &&
          stats.ino === staged.ino &&
          stats.size === staged.size &&
          stats.mtimeNs === staged.mtimeNs;
        if (untouched) this.options.metadata.put(bucket, metadata);
        else this.options.metadata.delete(bucket, key);
        return toInfo(metadata, new Date(Number(staged.mtimeMs)));
      });
    } finally {
      if (folder !== root) folder.closeNow();
    }
  }

  /** Rejects a conditional write whose condition the key's current object does not meet. */
  private async checkWriteCondition(
    bucket: string,
    key: string,
    options: WriteOptions,
  ): Promise<void> {
    if (options.ifNoneMatch === undefined && options.ifMatch === undefined) return;
    const current = await this.head(bucket, key).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    if (options.ifNoneMatch === '*' && current !== undefined) {
      throw new PreconditionFailedError(
        `Key ${JSON.stringify(key)} already has an object, and the write asked for none (If-None-Match: *).`,
      );
    }
    if (options.ifMatch === undefined) return;
    if (current === undefined) throw missingObject(key);
    const expected = options.ifMatch.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    if (expected !== '*' && expected !== current.etag) {
      throw new PreconditionFailedError(
        `The object under ${JSON.stringify(key)} has ETag "${current.etag}", not the one If-Match names.`,
      );
    }
  }

  /**
   * Creates the folder that a folder marker's key names, with the folders above it. A marker
   * with content cannot be a folder, so it is rejected.
   */
  private async createFolder(bucket: string, key: string, size: number): Promise<ObjectInfo> {
    if (size !== 0) {
      throw new InvalidInputError(
        `Key ${JSON.stringify(key)} ends in "/", so it names a folder, and a folder has no ` +
          `content, but the body has ${size} bytes; send an empty body, or a key without the final "/".`,
      );
    }
    const root = this.bucketRoot(bucket);
    const folder = this.openParentForWrite(root, markerSegments(key), key);
    try {
      return folderInfo(key, new Date(Number((await folder.stat()).mtimeMs)));
    } finally {
      folder.closeNow();
    }
  }

  private openParentForWrite(
    root: ContainedDirectory,
    segments: string[],
    key: string,
  ): ContainedDirectory {
    try {
      return root.openDescendantNow(segments, root.realPath, true);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'ELOOP' || error instanceof EscapedBucketError) {
        throw new ConflictError(
          `Key ${JSON.stringify(key)} would turn an existing object into a folder; ` +
            'choose another key or delete that object first.',
          { cause: error },
        );
      }
      throw error;
    }
  }

  /**
   * Opens an object's file for reading. Each folder of the key is opened without following links
   * and checked to lie inside the bucket, so nothing outside the bucket is ever opened, and the
   * file itself is opened only if it is a regular file.
   */
  private openObject(bucket: string, key: string): { file: ObjectFile; stats: BigIntStats } {
    validateObjectKey(key);
    const segments = key.split('/');
    const name = segments.pop()!;
    const root = this.bucketRoot(bucket);
    let folder: ContainedDirectory;
    try {
      folder = root.openDescendantNow(segments, root.realPath);
    } catch (error) {
      return rethrowAsMissing(error, key);
    }
    try {
      return ObjectFile.openRegular(folder.entryPath(name));
    } catch (error) {
      return rethrowAsMissing(error, key);
    } finally {
      if (folder !== root) folder.closeNow();
    }
  }

  /** Reads an object's metadata, deriving it from the file when the cache is missing or stale. */
  private async describe(
    bucket: string,
    key: string,
    file: ObjectFile,
    stats: BigIntStats,
  ): Promise<ObjectInfo> {
    const cached = this.options.metadata.get(bucket, key);
    if (cached !== undefined && isFresh(cached, stats)) {
      return toInfo(cached, new Date(Number(stats.mtimeMs)));
    }
    const metadata = await this.rederive(bucket, key, file, stats, cached);
    return toInfo(metadata, new Date(Number(stats.mtimeMs)));
  }

  /**
   * Records new metadata for a file that changed behind the store's back (through a mount). What
   * was set through the API (content type, user metadata, checksums) stays only when the content
   * is provably the same, as after a chmod: the new MD5 equals the recorded one.
   */
  private async rederive(
    bucket: string,
    key: string,
    file: ObjectFile,
    stats: BigIntStats,
    cached: ObjectMetadata | undefined,
  ): Promise<ObjectMetadata> {
    const etag = await this.derivedEtags.derive(file, stats);
    const unchanged = cached !== undefined && cached.etag === etag;
    const metadata: ObjectMetadata = {
      key,
      size: Number(stats.size),
      mtimeNs: stats.mtimeNs.toString(),
      ctimeNs: stats.ctimeNs.toString(),
      ino: stats.ino.toString(),
      etag,
      contentType: unchanged ? cached.contentType : guessContentType(key),
      userMetadata: unchanged ? cached.userMetadata : null,
      checksums: unchanged ? cached.checksums : null,
    };
    // An upload may have recorded this very file while it was hashed here, with its content type
    // and user metadata, or put a newer file in its place. Either entry stays (see putDerived).
    const stored = this.options.metadata.putDerived(bucket, metadata);
    return isFresh(stored, stats) ? stored : metadata;
  }

  private async deriveMetadata(
    bucket: string,
    key: string,
    folder: ContainedDirectory,
    name: string,
    cached: ObjectMetadata | undefined,
  ): Promise<ObjectMetadata | undefined> {
    let opened;
    try {
      opened = ObjectFile.openRegular(folder.entryPath(name));
    } catch {
      return undefined;
    }
    const { file, stats } = opened;
    try {
      return await this.rederive(bucket, key, file, stats, cached);
    } finally {
      file.close();
    }
  }
}

/** Returns the error for a key that names a folder, which cannot also be an object. */
function folderInTheWay(key: string, cause?: Error): ConflictError {
  return new ConflictError(
    `Key ${JSON.stringify(key)} names an existing folder; it cannot also be an object. ` +
      'Choose another key or delete the folder first.',
    cause === undefined ? undefined : { cause },
  );
}

/** Tells whether `path` is a folder, without following a link. */
function isFolder(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Tells whether cached metadata still describes the file, by its inode, size and change times. */
function isFresh(
  metadata: ObjectMetadata,
  file: { size: number | bigint; mtimeNs: bigint; ctimeNs: bigint; ino: bigint },
): boolean {
  return (
    metadata.size === Number(file.size) &&
    metadata.mtimeNs === file.mtimeNs.toString() &&
    (metadata.ctimeNs === null || metadata.ctimeNs === file.ctimeNs.toString()) &&
    (metadata.ino === null || metadata.ino === file.ino.toString())
  );
}

function toInfo(metadata: ObjectMetadata, lastModified: Date): ObjectInfo {
  return {
    key: metadata.key,
    size: metadata.size,
    lastModified,
    etag: metadata.etag,
    contentType: metadata.contentType ?? guessContentType(metadata.key),
    userMetadata: metadata.userMetadata ?? {},
    checksums: metadata.checksums ?? {},
  };
}

function guessContentType(key: string): string {
  return mime.lookup(key) || 'application/octet-stream';
}

function missingObject(key: string): NotFoundError {
  return new NotFoundError(`Object ${JSON.stringify(key)} not found.`);
}

function rethrowAsMissing(error: unknown, key: string): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (
    code === 'ENOENT' ||
    code === 'ENOTDIR' ||
    code === 'ELOOP' ||
    error instanceof EscapedBucketError ||
    error instanceof NotRegularFileError
  ) {
    throw missingObject(key);
  }
  throw error;
}

/** Deletes everything inside `folder` without following links, and counts the regular files. */
async function deleteTree(folder: ContainedDirectory, boundary: string): Promise<number> {
  let files = 0;
  for (const entry of await readdir(folder.path, { withFileTypes: true })) {
    const path = folder.entryPath(entry.name);
    if (entry.isDirectory()) {
      const child = await folder.openDescendant([entry.name], boundary).catch(() => undefined);
      if (child !== undefined) {
        try {
          files += await deleteTree(child, boundary);
        } finally {
          await child.close();
        }
      }
      await rmdir(path).catch(() => undefined);
      continue;
    }
    if (entry.isFile()) files++;
    await unlink(path).catch(() => undefined);
  }
  return files;
}

/** Removes the folders of `segments` from the deepest up while they are empty, as S3 has no folders. */
async function removeEmptyFolders(root: ContainedDirectory, segments: string[]): Promise<void> {
  for (let depth = segments.length; depth > 0; depth--) {
    const parent = await root
      .openDescendant(segments.slice(0, depth - 1), root.realPath)
      .catch(() => undefined);
    if (parent === undefined) return;
    try {
      await rmdir(parent.entryPath(segments[depth - 1]!));
    } catch {
      return;
    } finally {
      if (parent !== root) await parent.close();
    }
  }
}
