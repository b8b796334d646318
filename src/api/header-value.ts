/** The characters Node.js accepts in a header value: tab, and printable ISO-8859-1 characters. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Tells whether `value` can be sent as an HTTP header value as it is. */
export function isHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}

/**
 * Returns the content type to send for an object. One stored before uploads were checked may not
 * be a valid header value, and then the object is sent as application/octet-stream.
 */
export function sendableContentType(contentType: string): string {
  return isHeaderValue(contentType) ? contentType : 'application/octet-stream';
}
