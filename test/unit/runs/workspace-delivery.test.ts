import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { planWorkspaceDelivery, runsAsRoot } from '../../../src/runs/workspace-delivery.js';

const execFileAsync = promisify(execFile);

describe('runsAsRoot', () => {
  it.each([
    ['', true],
    ['root', true],
    ['0', true],
    ['0:0', true],
    ['root:staff', true],
    ['1000', false],
    ['app', false],
    ['1000:0', false],
  ])('reads %j as root: %j', (user, expected) => {
    expect(runsAsRoot(user)).toBe(expected);
  });
});

describe('planWorkspaceDelivery', () => {
  const command = ['python3', 'main.py', 'x'];

  it('uses an archive for a non-root image', () => {
    const plan = planWorkspaceDelivery({ '/workspace/main.py': 'print(1)' }, command, '1000');
    expect(plan).toEqual({ kind: 'archive', command, env: [] });
  });

  it('uses an archive for a large file', () => {
    const files = { '/workspace/main.py': 'x'.repeat(80_000) };
    expect(planWorkspaceDelivery(files, command, '').kind).toBe('archive');
  });

  it('uses an archive when all files together are large', () => {
    const files = Object.fromEntries(
      Array.from({ length: 10 }, (_, index) => [`/workspace/m${index}.py`, 'x'.repeat(60_000)]),
    );
    expect(planWorkspaceDelivery(files, command, 'root').kind).toBe('archive');
  });

  it('uses an archive when long arguments fill the budget', () => {
    const files = { '/workspace/main.py': 'x'.repeat(60_000) };
    const longCommand = [
      'python3',
      'main.py',
      ...Array.from({ length: 5 }, () => 'a'.repeat(90_000)),
    ];
    expect(planWorkspaceDelivery(files, longCommand, '').kind).toBe('archive');
  });

  it('puts small files in the environment', () => {
    const plan = planWorkspaceDelivery({ '/workspace/main.py': 'print(1)' }, command, '');
    expect(plan.kind).toBe('environment');
    expect(plan.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(plan.command.slice(3)).toEqual(command);
    expect(plan.env).toEqual([`LYCEUM_FILE_0=/workspace/main.py:${btoa('print(1)')}`]);
  });

  describe('bootstrap program', () => {
    let dir: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'lyceum-bootstrap-'));
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('writes the files, then runs the command without their variables', async () => {
      const files = {
        'main.py': 'print("héllo")\n',
        'pkg/a:b/mod.py': 'X = 1\n\n\n',
        [join(dir, 'abs/launch.py')]: '',
      };
      const plan = planWorkspaceDelivery(
        files,
        ['sh', '-c', 'env; echo "args: $0 $1"', 'a', 'b'],
        '',
      );
      const env = Object.fromEntries(plan.env.map((entry) => entry.split(/=(.*)/s).slice(0, 2)));
      const { stdout } = await execFileAsync(plan.command[0]!, plan.command.slice(1), {
        cwd: dir,
        env: { PATH: process.env.PATH, ...env },
      });

      expect(await readFile(join(dir, 'main.py'), 'utf8')).toBe('print("héllo")\n');
      expect(await readFile(join(dir, 'pkg/a:b/mod.py'), 'utf8')).toBe('X = 1\n\n\n');
      expect(await readFile(join(dir, 'abs/launch.py'), 'utf8')).toBe('');
      expect(stdout).toContain('args: a b');
      expect(stdout).not.toContain('LYCEUM_FILE_');
    });
  });
});
