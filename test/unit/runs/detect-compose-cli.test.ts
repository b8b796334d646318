import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import { composeCliFinder, detectComposeCli } from '../../../src/runs/detect-compose-cli.js';
import { writeFakeCommands, type FakeCommands } from './support/fake-compose-commands.js';

describe('detectComposeCli', () => {
  let fake: FakeCommands | undefined;

  afterEach(async () => {
    if (fake !== undefined) await rm(fake.directory, { recursive: true, force: true });
  });

  it('prefers Compose v2', async () => {
    fake = await writeFakeCommands(['v2', 'v1']);
    const cli = await detectComposeCli('auto', fake.env);
    expect(cli.description).toBe('docker compose 2.99.0');
  });

  it('falls back to Compose v1', async () => {
    fake = await writeFakeCommands(['v1']);
    const cli = await detectComposeCli('auto', fake.env);
    expect(cli.description).toBe('docker-compose 1.29.2');
  });

  it('uses v1 when told to', async () => {
    fake = await writeFakeCommands(['v2', 'v1']);
    const cli = await detectComposeCli('v1', fake.env);
    expect(cli.description).toBe('docker-compose 1.29.2');
  });

  it('names both commands when none runs', async () => {
    fake = await writeFakeCommands([]);
    const detect = detectComposeCli('auto', fake.env);
    await expect(detect).rejects.toThrow(SystemFailureError);
    await expect(detect).rejects.toThrow(
      /"docker compose version" failed.*"docker-compose version" failed/,
    );
    await expect(detect).rejects.toThrow(/scripts\/setup-host.sh installs both/);
  });

  it('does not fall back when v2 is required', async () => {
    fake = await writeFakeCommands(['v1']);
    await expect(detectComposeCli('v2', fake.env)).rejects.toThrow(/"docker compose version"/);
  });
});

describe('composeCliFinder', () => {
  it('detects once and retries after a failure', async () => {
    const fake = await writeFakeCommands([]);
    try {
      const find = composeCliFinder('auto', fake.env);
      await expect(find()).rejects.toThrow(SystemFailureError);
      const installed = await writeFakeCommands(['v2']);
      fake.env.PATH = installed.env.PATH;
      const cli = await find();
      expect(await find()).toBe(cli);
      expect(await installed.calls()).toEqual(['v2 version --short']);
      await rm(installed.directory, { recursive: true, force: true });
    } finally {
      await rm(fake.directory, { recursive: true, force: true });
    }
  });
});
