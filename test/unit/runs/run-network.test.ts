import { describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import { runNetworkFor } from '../../../src/runs/run-network.js';
import { FakeEngine } from './support/fake-engine.js';

describe('runNetworkFor', () => {
  it('joins an isolated default bridge', async () => {
    const engine = new FakeEngine();
    engine.bridgeKeepsContainersApart = true;
    expect(await runNetworkFor(engine, undefined)).toBe('bridge');
    expect(engine.networks).toEqual([]);
  });

  it('makes lyceum-runs for an open bridge', async () => {
    const engine = new FakeEngine();
    expect(await runNetworkFor(engine, undefined)).toBe('lyceum-runs');
    expect(engine.networks).toEqual(['lyceum-runs']);
  });

  it('makes lyceum-runs when configured', async () => {
    const engine = new FakeEngine();
    engine.bridgeKeepsContainersApart = true;
    expect(await runNetworkFor(engine, 'lyceum-runs')).toBe('lyceum-runs');
    expect(engine.networks).toEqual(['lyceum-runs']);
  });

  it('joins an existing configured network', async () => {
    const engine = new FakeEngine();
    await engine.ensureIsolatedNetwork('gpu-jobs');
    expect(await runNetworkFor(engine, 'gpu-jobs')).toBe('gpu-jobs');
    expect(engine.networks).toEqual(['gpu-jobs']);
  });

  it('rejects a missing configured network', async () => {
    const run = runNetworkFor(new FakeEngine(), 'gpu-jobs');
    await expect(run).rejects.toThrow(SystemFailureError);
    await expect(run).rejects.toThrow(
      'Network "gpu-jobs" (LYCEUM_RUN_NETWORK) was not found in the Docker engine.',
    );
  });
});
