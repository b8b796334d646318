import { s3Errors } from '../s3-error.js';

/** The way a listing writes keys: as they are, or URL-encoded for `encoding-type=url`. */
export interface KeyEncoding {
  encodeUrl: boolean;
  encode(value: string): string;
}

/**
 * Reads the `encoding-type` of a listing request. With `url`, keys and prefixes are written
 * URL-encoded but for their `/`, as S3 writes them; any other value is an InvalidArgument.
 */
export function keyEncodingOf(query: Map<string, string>): KeyEncoding {
  const encodeUrl = query.get('encoding-type') === 'url';
  if (query.has('encoding-type') && !encodeUrl) {
    throw s3Errors.invalidArgument(
      'Invalid Encoding Method specified in Request',
      'encoding-type',
      query.get('encoding-type'),
    );
  }
  return {
    encodeUrl,
    encode: (value) => (encodeUrl ? encodeURIComponent(value).replace(/%2F/g, '/') : value),
  };
}
