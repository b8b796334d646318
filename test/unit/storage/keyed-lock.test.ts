import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../../src/storage/keyed-lock.js';

function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('KeyedLock', () => {
  it('runs tasks of one key one at a time in order', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      await tick();
      events.push(`${name} end`);
      return name;
    };
    const results = await Promise.all([
      lock.run('k', task('a')),
      lock.run('k', task('b')),
      lock.run('k', task('c')),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('overlaps tasks of different keys', async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const task = (name: string) => async () => {
      events.push(`${name} start`);
      await tick();
      events.push(`${name} end`);
    };
    await Promise.all([lock.run('x', task('x')), lock.run('y', task('y'))]);
    expect(events.slice(0, 2)).toEqual(['x start', 'y start']);
  });

  it('goes on after a task fails', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('k', async () => {
      throw new Error('rename failed');
    });
    const next = lock.run('k', async () => 'next');
    await expect(failed).rejects.toThrow('rename failed');
    expect(await next).toBe('next');
  });
});
