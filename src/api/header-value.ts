/** The characters Node.js accepts in a header value: tab, and printable ISO-8859-1 characters. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Tells whether `value` can be sent as an HTTP header value as it is. */
export function isHeaderValue(value: string): boolean {
  return HEADER_VALUE.test(value);
}
