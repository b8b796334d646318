import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { DockerEngine } from '../../src/runs/docker-engine.js';
import { dockerAvailable } from './support/docker-available.js';

describe.skipIf(!dockerAvailable)('DockerEngine', () => {
  it('makes an isolated network without traffic between containers', async () => {
    const engine = new DockerEngine();
    const network = `lyceum-test-${randomBytes(4).toString('hex')}`;
    try {
      await engine.ensureIsolatedNetwork(network);
      await engine.ensureIsolatedNetwork(network);
      const inspected = await execa('docker', [
        'network',
        'inspect',
        '--format',
        '{{index .Options "com.docker.network.bridge.enable_icc"}}',
        network,
      ]);
      expect(inspected.stdout.trim()).toBe('false');
    } finally {
      await execa('docker', ['network', 'rm', network], { reject: false });
    }
  });

  it('reports whether the default bridge keeps its containers apart as the engine says', async () => {
    const inspected = await execa('docker', [
      'network',
      'inspect',
      '--format',
      '{{index .Options "com.docker.network.bridge.enable_icc"}}',
      'bridge',
    ]);
    const engine = new DockerEngine();
    const bridge = await engine.inspectNetwork('bridge');
    expect(bridge?.options['com.docker.network.bridge.enable_icc'] === 'false').toBe(
      inspected.stdout.trim() === 'false',
    );
    expect((await engine.inspectNetwork('bridge'))?.driver).toBe('bridge');
    expect(
      await engine.inspectNetwork(`lyceum-test-${randomBytes(4).toString('hex')}`),
    ).toBeUndefined();
  });

  it('rejects an existing network that lets containers talk', async () => {
    const engine = new DockerEngine();
    const network = `lyceum-test-${randomBytes(4).toString('hex')}`;
    await execa('docker', ['network', 'create', network]);
    try {
      await expect(engine.ensureIsolatedNetwork(network)).rejects.toThrow(
        `Network "${network}" exists but was not made by a lyceum server for runs`,
      );
    } finally {
      await execa('docker', ['network', 'rm', network], { reject: false });
    }
  });
});
