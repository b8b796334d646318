import type { CliContext } from './cli-context.js';

/** One object as `GET /storage/list-files` describes it. */
export interface ListedObject {
  key: string;
  size: number;
  last_modified: string;
  etag: string;
}

/** Objects asked for per request while paging through a listing. */
const PAGE_SIZE = 10_000;

/**
 * Returns every object whose key starts with `prefix`, by key, however many there are. The list
 * route returns at most one page per request, so this follows `start_after` to the end.
 */
export async function listAllObjects(context: CliContext, prefix: string): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  for (;;) {
    const query = new URLSearchParams({ prefix, max_files: String(PAGE_SIZE) });
    const last = objects.at(-1);
    if (last !== undefined) query.set('start_after', last.key);
    const page = await context.client().json<ListedObject[]>(`/storage/list-files?${query}`);
    objects.push(...page);
    if (page.length < PAGE_SIZE) return objects;
  }
}

/** Tells whether an object with exactly this key exists. */
export async function objectExists(context: CliContext, key: string): Promise<boolean> {
  if (key === '') return false;
  const query = new URLSearchParams({ prefix: key, max_files: '1' });
  const [first] = await context.client().json<ListedObject[]>(`/storage/list-files?${query}`);
  return first?.key === key;
}
