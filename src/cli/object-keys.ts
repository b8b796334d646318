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
  validateFolderPrefix(prefix);
  return prefix;
}

/**
 * Checks a listing prefix. Its last segment may be the start of a name, so only the segments
 * before the last "/" must be valid folder names.
 */
export function checkListPrefix(prefix: string): string {
  const slash = prefix.lastIndexOf('/');
  if (slash >= 0) validateFolderPrefix(prefix.slice(0, slash + 1));
  return prefix;
}

/**
 * Encodes a checked key for a URL path, keeping its `/` separators readable. A URL parser resolves
 * "." and ".." segments even when encoded, which is why keys are checked before they get here.
 */
export function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
