import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import { ExecaComposeCli } from '../../../src/runs/compose-cli.js';
import { writeFakeCommands, type FakeCommands } from './support/fake-compose-commands.js';

const project = {
  name: 'lyceum-run_1',
  directory: '/tmp',
  files: ['/data/compose/run_1/compose.yaml', '/data/compose/run_1/lyceum-override.yaml'],
};
const FILES =
  '--ansi never --project-name lyceum-run_1 --file /data/compose/run_1/compose.yaml ' +
  '--file /data/compose/run_1/lyceum-override.yaml';

describe('ExecaComposeCli', () => {
  let fake: FakeCommands;

  beforeEach(async () => {
    fake = await writeFakeCommands(['v2', 'v1']);
  });

  afterEach(async () => {
    await rm(fake.directory, { recursive: true, force: true });
  });

  it('starts v2 projects without pulling', async () => {
    await new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).up(project);
    expect(await fake.calls()).toEqual([`v2 ${FILES} up --detach --no-build --pull never`]);
  });

  it('starts v1 projects without --pull', async () => {
    await new ExecaComposeCli(['docker-compose'], '1.29.2', fake.env).up(project);
    expect(await fake.calls()).toEqual([`v1 ${FILES} up --detach --no-build`]);
  });

  it('takes projects down with their volumes', async () => {
    await new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).down(project, 1.5);
    expect(await fake.calls()).toEqual([`v2 ${FILES} down --volumes --remove-orphans --timeout 2`]);
  });

  it('reports the output of a failed command', async () => {
    await rm(fake.directory, { recursive: true, force: true });
    fake = await writeFakeCommands(['v2'], 'up');
    const up = new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).up(project);
    await expect(up).rejects.toThrow(SystemFailureError);
    await expect(up).rejects.toThrow(
      '"docker compose up" failed for Compose project lyceum-run_1 (exit code 3):\nError: up failed',
    );
  });
});
