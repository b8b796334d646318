import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../docker/support/test-server.js';

describe('the request log', () => {
  it('leaves out a key given in a query string', async () => {
    await using server = await startTestServer();
    const response = await fetch(
      `${server.url}/api/v2/external/workloads/list?api_key=lk_QUERYSECRET&key=data.csv`,
    );
    expect(response.status).toBe(401);

    const log = await readFile(join(server.dataDir, 'server.log'), 'utf8');
    expect(log).not.toContain('lk_QUERYSECRET');
    expect(log).toContain('/api/v2/external/workloads/list?api_key=[redacted]&key=data.csv');
  });
});
