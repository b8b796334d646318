import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Flushes the file system that contains `folder` to disk (`sync -f`, which calls syncfs), so what a
 * run wrote through its bind mount survives a crash before the run is reported finished.
 */
export async function syncFileSystem(folder: string): Promise<void> {
  await execFileAsync('sync', ['-f', folder]);
}
