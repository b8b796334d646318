import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import {
  link,
  mkdir,
  mkdtemp,
  open,
  rename,
  rm,
  stat,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { buffer, text } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ObjectChangedError } from '../../../src/errors/index.js';
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

  it('rejects a read past the end', async () => {
    await writeFile(join(dir, 'short.txt'), 'abc');
    const { file } = ObjectFile.openRegular(join(dir, 'short.txt'));
    expect(() => file.readNow(1, 10)).toThrow(ObjectChangedError);
    file.close();
  });

  it('rejects a read of a file rewritten in place', async () => {
    const path = join(dir, 'rewritten.txt');
    await writeFile(path, 'before');
    const { file } = ObjectFile.openRegular(path);
    await writeFile(path, 'after!');
    expect(() => file.readNow(0, 6)).toThrow(ObjectChangedError);
    file.close();
  });

  it('fails a stream of a file rewritten in place', async () => {
    const path = join(dir, 'rewritten.bin');
    await writeFile(path, Buffer.alloc(100_000, 1));
    const { file } = ObjectFile.openRegular(path);
    const handle = await open(path, 'r+');
    await handle.write(Buffer.alloc(10, 2), 0, 10, 50_000);
    await handle.close();
    await expect(text(file.stream(0, 99_999, 16_384))).rejects.toThrow(ObjectChangedError);
  });

  it('reads a file deleted after it was opened', async () => {
    const path = join(dir, 'deleted.txt');
    await writeFile(path, 'kept bytes');
    const { file } = ObjectFile.openRegular(path);
    await rm(path);
    expect(file.readNow(0, 10).toString()).toBe('kept bytes');
    file.close();
  });

  it('streams a file replaced by a rename', async () => {
    const path = join(dir, 'replaced.bin');
    await writeFile(path, Buffer.alloc(100_000, 1));
    const { file } = ObjectFile.openRegular(path);
    await writeFile(join(dir, 'new.bin'), Buffer.alloc(100_000, 2));
    await rename(join(dir, 'new.bin'), path);
    const bytes = await buffer(file.stream(0, 99_999, 16_384));
    expect(bytes.equals(Buffer.alloc(100_000, 1))).toBe(true);
  });

  it('fails a stream of a rewritten file given a link', async () => {
    const path = join(dir, 'linked.bin');
    await writeFile(path, Buffer.alloc(100_000, 1));
    // cp and touch keep nanoseconds, so the rewritten file gets back its exact times.
    const times = join(dir, 'times.bin');
    await execFileAsync('cp', ['--preserve=timestamps', path, times]);
    const { file } = ObjectFile.openRegular(path);
    await writeFile(path, Buffer.alloc(100_000, 2), { flag: 'r+' });
    await execFileAsync('touch', ['-r', times, path]);
    expect((await stat(path, { bigint: true })).mtimeNs).toBe(
      (await stat(times, { bigint: true })).mtimeNs,
    );
    await link(path, join(dir, 'second-name.bin'));
    await expect(buffer(file.stream(0, 99_999, 16_384))).rejects.toThrow(ObjectChangedError);
  });

  it('fails a stream of a file that shrank', async () => {
    const path = join(dir, 'shrinking.bin');
    await writeFile(path, Buffer.alloc(100_000));
    const before = openDescriptors();
    const { file } = ObjectFile.openRegular(path);
    await truncate(path, 50_000);
    const stream = file.stream(0, 99_999, 16_384);
    await expect(text(stream)).rejects.toThrow(ObjectChangedError);
    // The stream closes its descriptor on the thread pool, after the stream has ended.
    await vi.waitFor(() => expect(openDescriptors()).toBe(before));
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
    // The stream closes its descriptor on the thread pool, after the stream has ended.
    await vi.waitFor(() => expect(openDescriptors()).toBe(before));
  });
});
