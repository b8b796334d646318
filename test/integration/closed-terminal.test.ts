import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(import.meta.dirname, 'fixtures/closed-terminal.py');
const LYCEUM = resolve(import.meta.dirname, '../../bin/lyceum');

describe('a server whose terminal closed', () => {
  it('still answers and stops on SIGTERM', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-terminal-'));
    try {
      const run = await execa('/usr/bin/python3', [SCRIPT, LYCEUM, dataDir], {
        env: { DOCKER_HOST: `unix://${join(dataDir, 'no-engine.sock')}` },
      });
      const result = JSON.parse(run.stdout) as { listings: number[]; stoppedOnSigterm: boolean };
      expect(result.listings).toEqual([0, 0, 0]);
      expect(result.stoppedOnSigterm).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
