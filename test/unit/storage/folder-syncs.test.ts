import { describe, expect, it } from 'vitest';
import { FolderSyncs } from '../../../src/storage/folder-syncs.js';

/** A fake fsync that counts its calls and finishes when the test calls finishNext. */
class ManualSync {
  started = 0;
  private finishers: ((error?: Error) => void)[] = [];

  readonly run = (): Promise<void> => {
    this.started++;
    return new Promise((resolve, reject) => {
      this.finishers.push((error) => (error === undefined ? resolve() : reject(error)));
    });
  };

  finishNext(error?: Error): void {
    this.finishers.shift()!(error);
  }
}

async function settled(promise: Promise<void>): Promise<string> {
  return Promise.race([
    promise.then(
      () => 'resolved',
      (error: Error) => `rejected: ${error.message}`,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('pending'), 10)),
  ]);
}

describe('FolderSyncs', () => {
  it('starts an fsync at once when none runs', async () => {
    const syncs = new FolderSyncs();
    const fake = new ManualSync();
    const first = syncs.sync('a', fake.run);
    expect(fake.started).toBe(1);
    fake.finishNext();
    expect(await settled(first)).toBe('resolved');
  });

  it('lets later writers share one next fsync', async () => {
    const syncs = new FolderSyncs();
    const fake = new ManualSync();
    const first = syncs.sync('a', fake.run);
    const waiting = [
      syncs.sync('a', fake.run),
      syncs.sync('a', fake.run),
      syncs.sync('a', fake.run),
    ];
    expect(fake.started).toBe(1);

    fake.finishNext();
    expect(await settled(first)).toBe('resolved');
    expect(fake.started).toBe(2);
    expect(await settled(waiting[0]!)).toBe('pending');

    fake.finishNext();
    for (const promise of waiting) expect(await settled(promise)).toBe('resolved');
    expect(fake.started).toBe(2);
  });

  it('never counts a running fsync for a later writer', async () => {
    const syncs = new FolderSyncs();
    const fake = new ManualSync();
    void syncs.sync('a', fake.run);
    const later = syncs.sync('a', fake.run);
    fake.finishNext();
    await settled(later);
    expect(await settled(later)).toBe('pending');
    fake.finishNext();
    expect(await settled(later)).toBe('resolved');
  });

  it('keeps folders apart', () => {
    const syncs = new FolderSyncs();
    const fake = new ManualSync();
    void syncs.sync('a', fake.run);
    void syncs.sync('b', fake.run);
    expect(fake.started).toBe(2);
  });

  it('rejects every caller of a failed fsync', async () => {
    const syncs = new FolderSyncs();
    const fake = new ManualSync();
    const first = syncs.sync('a', fake.run);
    const second = syncs.sync('a', fake.run);
    const third = syncs.sync('a', fake.run);
    fake.finishNext(new Error('EIO'));
    expect(await settled(first)).toBe('rejected: EIO');
    fake.finishNext(new Error('EIO again'));
    expect(await settled(second)).toBe('rejected: EIO again');
    expect(await settled(third)).toBe('rejected: EIO again');
  });

  it('starts afresh once all fsyncs are done', async () => {
    const syncs = new FolderSyncs();
    const fake = new ManualSync();
    const first = syncs.sync('a', fake.run);
    fake.finishNext();
    await first;
    void syncs.sync('a', fake.run);
    expect(fake.started).toBe(2);
  });
});
