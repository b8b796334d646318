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
  rejectAwsStyle(key, 'Key');
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
  rejectAwsStyle(prefix, 'Folder prefix');
  validateFolderPrefix(prefix);
  return prefix;
}

/**
 * Checks a listing prefix. Its last segment may be the start of a name, so only the segments
 * before the last "/" must be valid folder names.
 */
export function checkListPrefix(prefix: string): string {
  if (/^\/+$/.test(prefix)) {
    throw new InvalidInputError(
      `Prefix ${JSON.stringify(prefix)} is not a key; run "lyceum storage ls" to list the whole bucket.`,
    );
  }
  rejectAwsStyle(prefix, 'Prefix');
  const slash = prefix.lastIndexOf('/');
  if (slash > 0) validateObjectKey(prefix.slice(0, slash));
  return prefix;
}

/**
 * Rejects the forms an AWS CLI user may type where a key or prefix inside the bucket belongs: an
 * `s3://bucket/path` URL, or a path with a leading "/". `label` names the value in the message.
 */
export function rejectAwsStyle(value: string, label: string): void {
  const url = /^s3:\/\/[^/]*\/?(.*)$/i.exec(value);
  if (url !== null) {
    const inside = url[1]!;
    throw new InvalidInputError(
      `${label} ${JSON.stringify(value)} is an S3 URL; the storage commands work on your own ` +
        (inside === ''
          ? 'bucket, so leave the bucket out (no prefix lists or takes all of it).'
          : `bucket, so give the path inside it: ${JSON.stringify(inside)}.`),
    );
  }
  const inside = value.replace(/^\/+/, '');
  if (inside !== value && inside !== '') {
    throw new InvalidInputError(
      `${label} ${JSON.stringify(value)} starts with "/", but keys do not; give ${JSON.stringify(inside)}.`,
    );
  }
}

/**
 * Encodes a checked key for a URL path, keeping its `/` separators readable. A URL parser resolves
 * "." and ".." segments even when encoded, which is why keys are checked before they get here.
 */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
