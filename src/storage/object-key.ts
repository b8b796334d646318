import { InvalidInputError } from '../errors/index.js';

/** S3's own limit on a key's length, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
/** The maximum file name length of ext4, XFS and Btrfs, in bytes. */
export const MAX_SEGMENT_BYTES = 255;

/**
 * Checks that an object key can be stored as a file path inside a bucket directory and returns it.
 * Throws InvalidInputError naming the key and the rule it breaks.
 */
export function validateObjectKey(key: string): string {
  const quoted = JSON.stringify(key);
  if (key.length === 0) {
    throw new InvalidInputError('Object key is empty; give a key such as data/input.csv.');
  }
  if (key.includes('\u0000')) {
    throw new InvalidInputError(`Object key ${quoted} contains a NUL character; remove it.`);
  }
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw new InvalidInputError(
      `Object key ${quoted.slice(0, 60)}... is longer than ${MAX_KEY_BYTES} bytes; shorten it.`,
    );
  }
  for (const segment of key.split('/')) {
    if (segment === '') {
      throw new InvalidInputError(
        `Object key ${quoted} has an empty segment (a leading, trailing or double "/"); ` +
          'remove the extra "/".',
      );
    }
    if (segment === '.' || segment === '..') {
      throw new InvalidInputError(
        `Object key ${quoted} has a "${segment}" segment, which cannot be a file name; remove it.`,
      );
    }
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
      throw new InvalidInputError(
        `Object key ${quoted} has a segment longer than ${MAX_SEGMENT_BYTES} bytes; ` +
          'split it with "/" or shorten it.',
      );
    }
  }
  return key;
}

/**
 * Checks a folder prefix for delete-folder and returns it with exactly one trailing `/`.
 * Throws InvalidInputError for an empty prefix, which would mean the whole bucket.
 */
export function validateFolderPrefix(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, '');
  if (trimmed === '') {
    throw new InvalidInputError(
      'Folder prefix is empty; name the folder to delete, such as results/.',
    );
  }
  validateObjectKey(trimmed);
  return `${trimmed}/`;
}

/** Compares two keys the way S3 orders them: by their UTF-8 bytes. */
export function compareKeys(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}
