import { InvalidInputError } from '../errors/index.js';
import { validateFolderPrefix, validateObjectKey } from '../storage/object-key.js';

/**
 * Checks the key of one object before it goes into a URL, where "." and ".." segments would be
 * resolved away and name another object. A key that ends with "/" names a folder, and the error
 * for it ends with `folderAdvice`, the command to run on the folder instead.
 */
export function checkObjectKey(
  key: string,
  folderAdvice = `"lyceum storage ls ${key}" lists the objects in it.`,
): string {
  rejectS3Url(key, 'Key');
  if (key.endsWith('/') && key.replace(/\/+$/, '') !== '') {
    throw new InvalidInputError(
      `Key ${JSON.stringify(key)} ends with "/", so it names a folder; give the key of one object. ` +
        folderAdvice,
    );
  }
  return validateObjectKey(key);
}

/** Checks a folder prefix, such as results/, before it goes into a URL. */
export function checkFolderPrefix(prefix: string): string {
  rejectS3Url(prefix, 'Folder prefix');
  validateFolderPrefix(prefix);
  return prefix;
}

/**
 * Checks a listing prefix. Its last segment may be the start of a name, so only the segments
 * before the last "/" must be valid folder names.
 */
export function checkListPrefix(prefix: string): string {
  rejectS3Url(prefix, 'Prefix');
  if (prefix.startsWith('/')) {
    const inside = prefix.replace(/^\/+/, '');
    throw new InvalidInputError(
      `Prefix ${JSON.stringify(prefix)} starts with "/", but keys do not; ` +
        (inside === ''
          ? 'run "lyceum storage ls" to list the whole bucket.'
          : `give ${JSON.stringify(inside)}.`),
    );
  }
  const slash = prefix.lastIndexOf('/');
  if (slash > 0) validateObjectKey(prefix.slice(0, slash));
  return prefix;
}

/** Rejects an `s3://bucket/path` URL where a key or prefix inside the bucket belongs. */
function rejectS3Url(value: string, what: string): void {
  const match = /^s3:\/\/[^/]*\/?(.*)$/i.exec(value);
  if (match === null) return;
  const inside = match[1]!;
  throw new InvalidInputError(
    `${what} ${JSON.stringify(value)} is an S3 URL; the storage commands work on your own ` +
      `bucket, so give the path inside it${inside === '' ? '' : `: ${JSON.stringify(inside)}`}.`,
  );
}

/**
 * Encodes a checked key for a URL path, keeping its `/` separators readable. A URL parser resolves
 * "." and ".." segments even when encoded, which is why keys are checked before they get here.
 */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
