import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NotRegularFileError, ObjectFile } from '../../../src/storage/object-file.js';

const execFileAsync = promisify(execFile);

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('ObjectFile', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-object-file-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('opens a regular file with its status', async () => {
    await writeFile(join(dir, 'a.txt'), 'hello');
    const { file, stats } = ObjectFile.openRegular(join(dir, 'a.txt'));
    expect(stats.size).toBe(5n);
    expect(file.readNow(1, 3).toString()).toBe('ell');
    file.close();
  });

  it('reads fewer bytes past the end', async () => {
    await writeFile(join(dir, 'short.txt'), 'abc');
    const { file } = ObjectFile.openRegular(join(dir, 'short.txt'));
    expect(file.readNow(1, 10).toString()).toBe('bc');
    file.close();
  });

  it.each([
    ['a folder', async (path: string) => mkdir(path)],
    ['a link', async (path: string) => symlink('/etc/hostname', path)],
    ['a named pipe', async (path: string) => void (await execFileAsync('mkfifo', [path]))],
  ])('rejects %s', async (_kind, make) => {
    const path = join(dir, 'entry');
    await make(path);
    const before = openDescriptors();
    expect(() => ObjectFile.openRegular(path)).toThrow(NotRegularFileError);
    expect(openDescriptors()).toBe(before);
  });

  it('closes its descriptor once', async () => {
    await writeFile(join(dir, 'a.txt'), 'hello');
    const before = openDescriptors();
    const { file } = ObjectFile.openRegular(join(dir, 'a.txt'));
    expect(openDescriptors()).toBe(before + 1);
    file.close();
    file.close();
    expect(openDescriptors()).toBe(before);
    expect(() => file.readNow(0, 1)).toThrow(/already closed/);
  });

  it('hands its descriptor to a stream', async () => {
    await writeFile(join(dir, 'a.txt'), 'hello, world');
    const before = openDescriptors();
    const { file } = ObjectFile.openRegular(join(dir, 'a.txt'));
    const stream = file.stream(7, 11, 4);
    file.close();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('world');
    await new Promise((resolve) => setImmediate(resolve));
    expect(openDescriptors()).toBe(before);
  });
});
