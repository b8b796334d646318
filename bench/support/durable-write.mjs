import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './statistics.mjs';

/**
 * Times what a server that keeps objects durable must do for each small PutObject, and nothing
 * else: create a staging file, write the body, fsync it, rename it into its folder, and fsync the
 * folder so the rename survives a crash. Returns the median milliseconds of `count` such writes,
 * made one after the other in `directory`, which must be on the disk under test.
 */
export function timeDurableWrites(directory, body, count) {
  const staging = join(directory, 'staging');
  const folder = join(directory, 'objects');
  mkdirSync(staging, { recursive: true });
  mkdirSync(folder, { recursive: true });
  const folderFd = openSync(folder, 'r');
  const times = [];
  try {
    for (let index = 0; index < count; index++) {
      const start = performance.now();
      const stagedPath = join(staging, `object-${index}`);
      const fd = openSync(stagedPath, 'wx', 0o666);
      try {
        writeSync(fd, body);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(stagedPath, join(folder, `object-${index}`));
      fsyncSync(folderFd);
      times.push(performance.now() - start);
    }
  } finally {
    closeSync(folderFd);
  }
  return median(times);
}
