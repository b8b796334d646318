import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SystemFailureError } from '../../../src/errors/index.js';
import { ExecaComposeCli } from '../../../src/runs/compose-cli.js';
import { writeFakeCommands, type FakeCommands } from './support/fake-compose-commands.js';

let project: { name: string; directory: string; files: string[] };
let fileArgs: string;

describe('ExecaComposeCli', () => {
  let fake: FakeCommands;

  beforeEach(async () => {
    fake = await writeFakeCommands(['v2', 'v1']);
    const files = [join(fake.directory, 'compose.yaml'), join(fake.directory, 'override.yaml')];
    for (const file of files) await writeFile(file, 'services: {}\n');
    project = { name: 'lyceum-run_1', directory: fake.directory, files };
    fileArgs = `--ansi never --project-name lyceum-run_1 --file ${files[0]} --file ${files[1]}`;
  });

  afterEach(async () => {
    await rm(fake.directory, { recursive: true, force: true });
  });

  it('starts v2 projects without pulling', async () => {
    await new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).up(project);
    expect(await fake.calls()).toEqual([`v2 ${fileArgs} up --detach --no-build --pull never`]);
  });

  it('starts v1 projects without --pull', async () => {
    await new ExecaComposeCli(['docker-compose'], '1.29.2', fake.env).up(project);
    expect(await fake.calls()).toEqual([`v1 ${fileArgs} up --detach --no-build`]);
  });

  it('takes projects down with their volumes', async () => {
    await new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).down(project, 1.5);
    expect(await fake.calls()).toEqual([
      `v2 ${fileArgs} down --volumes --remove-orphans --timeout 2`,
    ]);
  });

  it('takes v2 projects down by name without files', async () => {
    const gone = { ...project, files: ['/nonexistent/compose.yaml'] };
    await new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).down(gone, 1);
    expect(await fake.calls()).toEqual([
      'v2 --ansi never --project-name lyceum-run_1 down --volumes --remove-orphans --timeout 1',
    ]);
  });

  it('reports the output of a failed command', async () => {
    const failing = await writeFakeCommands(['v2'], 'up');
    fake.env.PATH = failing.env.PATH;
    const up = new ExecaComposeCli(['docker', 'compose'], '2.99.0', fake.env).up(project);
    await expect(up).rejects.toThrow(SystemFailureError);
    await expect(up).rejects.toThrow(
      '"docker compose up" failed for Compose project lyceum-run_1 (exit code 3):\nError: up failed',
    );
    await rm(failing.directory, { recursive: true, force: true });
  });
});
