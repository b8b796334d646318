/** Readers for the loosely typed values of a parsed Compose file. */

const FALSE_WORDS = new Set(['', 'false', 'no', 'n', 'off', '0']);

/**
 * Treats every set value but an explicit false as true, because Compose v1 reads YAML 1.1 words
 * such as `yes` and `on` as true, and Compose v2 converts strings after replacing variables.
 */
export function isTrue(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  return !FALSE_WORDS.has(String(value).trim().toLowerCase());
}

export function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Tells whether a key has any value, the empty string included, which Compose reads as a path. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Returns a mapping value, or `{}` for anything else. */
export function asMapping(value: unknown): Record<string, unknown> {
  return isMapping(value) ? value : {};
}

/** Returns a set value as trimmed lower-case text, and an unset one as ''. */
export function lowerText(value: unknown): string {
  return isPresent(value) ? String(value).trim().toLowerCase() : '';
}

/** Reads a key that Compose accepts as a list, a mapping (its keys) or a single value. */
export function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object') return Object.keys(value);
  return isPresent(value) ? [value] : [];
}

export function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Lists the entries of a top-level section such as `volumes`; an empty entry reads as `{}`. */
export function entriesOf(section: unknown): [string, Record<string, unknown>][] {
  if (!isMapping(section)) return [];
  return Object.entries(section).map(([name, value]) => [name, isMapping(value) ? value : {}]);
}
