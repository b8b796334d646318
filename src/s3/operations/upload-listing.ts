import type { MultipartUpload } from '../../storage/multipart-uploads.js';

/** The parameters of ListMultipartUploads that choose one page. */
export interface UploadPageRequest {
  prefix: string;
  delimiter: string;
  keyMarker: string;
  uploadIdMarker: string;
  maxUploads: number;
}

/** One page of ListMultipartUploads. */
export interface UploadPage {
  uploads: MultipartUpload[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The start of the next page: the last key or common prefix of this page. */
  nextKeyMarker: string;
  /** The last upload's id, or empty when the page ends with a common prefix. */
  nextUploadIdMarker: string;
}

/**
 * Returns one page of `uploads`, which are ordered by key and then by the time they started, as
 * S3 pages them. With a key marker, the page starts after that key, or, with an upload id
 * marker too, after that upload of the key. With a delimiter, keys that contain it after the
 * prefix are rolled up into common prefixes, and each common prefix counts as one entry.
 */
export function pageUploads(uploads: MultipartUpload[], request: UploadPageRequest): UploadPage {
  const { prefix, delimiter, keyMarker, uploadIdMarker, maxUploads } = request;
  const page: UploadPage = {
    uploads: [],
    commonPrefixes: [],
    isTruncated: false,
    nextKeyMarker: '',
    nextUploadIdMarker: '',
  };
  let count = 0;
  let passedMarker = uploadIdMarker === '' || keyMarker === '';
  for (const upload of uploads) {
    if (!upload.key.startsWith(prefix)) continue;
    if (!afterMarker(upload, keyMarker, uploadIdMarker, passedMarker)) {
      if (upload.key === keyMarker && upload.uploadId === uploadIdMarker) passedMarker = true;
      continue;
    }
    const commonPrefix = rollUp(upload.key, prefix, delimiter);
    if (commonPrefix !== undefined) {
      // A common prefix ends the previous page when it is the key marker itself.
      if (commonPrefix === keyMarker || commonPrefix === page.commonPrefixes.at(-1)) continue;
    }
    if (count === maxUploads) {
      page.isTruncated = true;
      break;
    }
    count++;
    if (commonPrefix !== undefined) {
      page.commonPrefixes.push(commonPrefix);
      page.nextKeyMarker = commonPrefix;
      page.nextUploadIdMarker = '';
    } else {
      page.uploads.push(upload);
      page.nextKeyMarker = upload.key;
      page.nextUploadIdMarker = upload.uploadId;
    }
  }
  return page;
}

/**
 * Tells whether an upload comes after the markers. Uploads of the key marker itself come after
 * it only with an upload id marker, and only those listed after that upload.
 */
function afterMarker(
  upload: MultipartUpload,
  keyMarker: string,
  uploadIdMarker: string,
  passedMarker: boolean,
): boolean {
  if (keyMarker === '' || upload.key > keyMarker) return true;
  if (upload.key < keyMarker || uploadIdMarker === '') return false;
  return passedMarker;
}

/** Returns the common prefix a key rolls up into, or undefined when it has none. */
function rollUp(key: string, prefix: string, delimiter: string): string | undefined {
  if (delimiter === '') return undefined;
  const at = key.indexOf(delimiter, prefix.length);
  return at === -1 ? undefined : key.slice(0, at + delimiter.length);
}
