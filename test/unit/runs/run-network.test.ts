import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import type { NetworkInfo } from '../../../src/runs/container-engine.js';
import { checkRunNetworkAtStart, runNetworkFor } from '../../../src/runs/run-network.js';
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
    engine.knownNetworks.push(network('gpu-jobs'));
    expect(await runNetworkFor(engine, 'gpu-jobs')).toBe('gpu-jobs');
    expect(engine.networks).toEqual([]);
  });

  it('rejects a missing configured network', async () => {
    const run = runNetworkFor(new FakeEngine(), 'gpu-jobs');
    await expect(run).rejects.toThrow(SystemFailureError);
    await expect(run).rejects.toThrow(
      'Network "gpu-jobs" (LYCEUM_RUN_NETWORK) was not found in the Docker engine. Create it',
    );
  });

  it('rejects a network id', async () => {
    const engine = new FakeEngine();
    // The engine finds a network by id or id prefix too, and reports its name.
    engine.inspectNetwork = async () => network('host', 'host');
    const run = runNetworkFor(engine, 'aeb8');
    await expect(run).rejects.toThrow(
      'LYCEUM_RUN_NETWORK "aeb8" is the id of network "host", not a name.',
    );
  });

  it.each(['host', 'null'])('rejects a network with the %s driver', async (driver) => {
    const engine = new FakeEngine();
    engine.knownNetworks.push(network('outside', driver));
    await expect(runNetworkFor(engine, 'outside')).rejects.toThrow(
      `Network "outside" (LYCEUM_RUN_NETWORK) uses the ${driver} driver`,
    );
  });

  it("rejects a Compose run's network", async () => {
    const engine = new FakeEngine();
    engine.knownNetworks.push({
      ...network('lyceum-run_0a1b_default'),
      labels: { 'com.docker.compose.project': 'lyceum-run_0a1b' },
    });
    await expect(runNetworkFor(engine, 'lyceum-run_0a1b_default')).rejects.toThrow(
      'belongs to the Compose run lyceum-run_0a1b',
    );
  });

  it('accepts a Compose network of the operator', async () => {
    const engine = new FakeEngine();
    engine.knownNetworks.push({
      ...network('mlflow_default'),
      labels: { 'com.docker.compose.project': 'mlflow' },
    });
    expect(await runNetworkFor(engine, 'mlflow_default')).toBe('mlflow_default');
  });
});

describe('checkRunNetworkAtStart', () => {
  /** Collects the warnings the check logs. */
  function warnings() {
    const lines: [Record<string, unknown>, string][] = [];
    const warn = (fields: Record<string, unknown>, message: string) =>
      lines.push([fields, message]);
    return { lines, asLogger: { warn } as unknown as Pick<Logger, 'warn'> };
  }

  it('warns of a network runs cannot join', async () => {
    const logger = warnings();
    await checkRunNetworkAtStart(new FakeEngine(), 'gpu-jobs', logger.asLogger);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.[0].network).toBe('gpu-jobs');
    expect(logger.lines[0]?.[1]).toContain('Checking LYCEUM_RUN_NETWORK failed');
  });

  it('warns of a network where runs reach one another', async () => {
    const engine = new FakeEngine();
    engine.knownNetworks.push(network('gpu-jobs'));
    const logger = warnings();
    await checkRunNetworkAtStart(engine, 'gpu-jobs', logger.asLogger);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.[1]).toContain(
      "Runs on LYCEUM_RUN_NETWORK can reach one another's services",
    );
  });

  it('is silent about an isolated network', async () => {
    const engine = new FakeEngine();
    engine.knownNetworks.push({
      ...network('gpu-jobs'),
      options: { 'com.docker.network.bridge.enable_icc': 'false' },
    });
    const logger = warnings();
    await checkRunNetworkAtStart(engine, 'gpu-jobs', logger.asLogger);
    expect(logger.lines).toEqual([]);
  });
});

function network(name: string, driver = 'bridge'): NetworkInfo {
  return { name, driver, options: {}, labels: {} };
}
