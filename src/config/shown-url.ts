/**
 * Returns a URL, or text with URLs in it, with any user name and password replaced by `***`, for
 * messages and status output. The user part ends at the last `@` before the host, as URL
 * parsers read it.
 */
export function withoutUserInfo(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/?#\s]*@/gi, '$1***@');
}
