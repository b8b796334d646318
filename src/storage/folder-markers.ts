import { rmdir } from 'node:fs/promises';
import { InvalidInputError, NotFoundError } from '../errors/index.js';
import { type ContainedDirectory } from './contained-directory.js';
import { validateObjectKey } from './object-key.js';
import type { ObjectInfo } from './object-store.js';

/** The MD5 of no bytes, which S3 gives every empty object. */
const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
/** The content type s3fs-fuse gives the empty objects that stand for folders. */
const FOLDER_CONTENT_TYPE = 'application/x-directory';

/**
 * Tells whether `key` names a folder marker: an empty object whose key ends in `/`, which S3
 * consoles, s3fs and Hadoop write to create a folder. In a bucket that is a directory, the marker
 * is the folder itself. Throws InvalidInputError when the rest of the key is not a valid key.
 */
export function isFolderMarker(key: string): boolean {
  if (!key.endsWith('/') || key === '/') return false;
  try {
    validateObjectKey(key.slice(0, -1));
  } catch (error) {
    throw new InvalidInputError(
      `Folder key ${JSON.stringify(key)} is invalid: ${(error as Error).message}`,
    );
  }
  return true;
}

/**
 * Checks the key of an operation that writes content, such as CopyObject, and returns it. A key
 * that names a folder gets an error explaining that only an empty PutObject makes one.
 */
export function validateContentKey(key: string, operation: string): string {
  if (isFolderMarker(key)) {
    throw new InvalidInputError(
      `Key ${JSON.stringify(key)} ends in "/", so it names a folder, which ${operation} cannot ` +
        'make; only a PutObject with an empty body makes a folder. Use a key without the final "/".',
    );
  }
  return validateObjectKey(key);
}

/** Returns the folder segments of a folder marker's key. */
export function markerSegments(key: string): string[] {
  return key.slice(0, -1).split('/');
}

/** Describes the folder that `key` names as an empty object, or throws NotFoundError. */
export async function describeFolder(root: ContainedDirectory, key: string): Promise<ObjectInfo> {
  let folder: ContainedDirectory;
  try {
    folder = root.openDescendantNow(markerSegments(key), root.realPath);
  } catch (error) {
    throw new NotFoundError(`Folder ${JSON.stringify(key)} not found.`, { cause: error });
  }
  try {
    return folderInfo(key, new Date(Number((await folder.stat()).mtimeMs)));
  } finally {
    if (folder !== root) folder.closeNow();
  }
}

/** Returns a folder marker's description: an empty object with the MD5 of no bytes. */
export function folderInfo(key: string, lastModified: Date): ObjectInfo {
  return {
    key,
    size: 0,
    lastModified,
    etag: EMPTY_MD5,
    contentType: FOLDER_CONTENT_TYPE,
    userMetadata: {},
    checksums: {},
  };
}

/**
 * Removes the folder that `key` names when it is empty. A folder with objects in it stays, as
 * deleting a marker in S3 leaves the objects under its prefix.
 */
export async function removeFolderIfEmpty(root: ContainedDirectory, key: string): Promise<void> {
  const segments = markerSegments(key);
  const name = segments.pop()!;
  let parent: ContainedDirectory;
  try {
    parent = root.openDescendantNow(segments, root.realPath);
  } catch {
    return;
  }
  try {
    await rmdir(parent.entryPath(name)).catch((error: NodeJS.ErrnoException) => {
      if (!['ENOENT', 'ENOTEMPTY', 'EEXIST', 'ENOTDIR'].includes(error.code ?? '')) throw error;
    });
  } finally {
    if (parent !== root) parent.closeNow();
  }
}
