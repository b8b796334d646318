import { describe, expect, it } from 'vitest';
import type { CliContext } from '../../../src/cli/cli-context.js';
import { listAllObjects, type ListedObject } from '../../../src/cli/listed-objects.js';

/** Returns a context whose client serves `count` keys from the list route, a page at a time. */
function contextWithKeys(count: number, requests: URLSearchParams[]): CliContext {
  const keys = Array.from({ length: count }, (_, index) => `k/${String(index).padStart(6, '0')}`);
  const client = {
    json: async (path: string): Promise<ListedObject[]> => {
      const query = new URLSearchParams(path.split('?')[1]);
      requests.push(query);
      const after = query.get('start_after');
      const start = after === null ? 0 : keys.indexOf(after) + 1;
      return keys
        .slice(start, start + Number(query.get('max_files')))
        .map((key) => ({ key, size: 1, last_modified: '', etag: '' }));
    },
  };
  return { client: () => client } as unknown as CliContext;
}

describe('listAllObjects', () => {
  it('follows start_after past the first page', async () => {
    const requests: URLSearchParams[] = [];
    const objects = await listAllObjects(contextWithKeys(25_003, requests), 'k/');
    expect(objects).toHaveLength(25_003);
    expect(objects.at(-1)?.key).toBe('k/025002');
    expect(requests.map((query) => query.get('start_after'))).toEqual([
      null,
      'k/009999',
      'k/019999',
    ]);
  });

  it('stops after one short page', async () => {
    const requests: URLSearchParams[] = [];
    expect(await listAllObjects(contextWithKeys(3, requests), 'k/')).toHaveLength(3);
    expect(requests).toHaveLength(1);
  });
});
