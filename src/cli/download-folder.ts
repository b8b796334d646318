import { mkdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import type { CliContext } from './cli-context.js';
import { saveToFile, signalExitCode } from './download-output.js';
import { formatBytes } from './format-bytes.js';
import { listAllObjects } from './listed-objects.js';
import { encodeKey } from './object-keys.js';

/**
 * Downloads every object under the folder `prefix` (ending in "/") into `folder`, keeping the
 * paths below the prefix, as `aws s3 cp --recursive` does. Existing files are replaced. A folder
 * marker (a key ending in "/") becomes an empty folder. Returns the exit code: 0, or 128 plus the
 * signal that stopped the download.
 */
export async function downloadFolder(
  context: CliContext,
  prefix: string,
  folder: string,
): Promise<number> {
  const objects = await listAllObjects(context, prefix);
  if (objects.length === 0) {
    context.stderr.write(`No objects under ${prefix}; "lyceum storage ls" shows what there is.\n`);
    return 1;
  }

  const root = resolve(folder);
  const total = objects.reduce((sum, object) => sum + object.size, 0);
  // The progress bar library loads only for transfers, to keep other commands quick to start.
  const { TransferProgress } = await import('./progress.js');
  const progress = new TransferProgress('Downloading', total, context.stderr);
  let saved = 0;

  try {
    for (const object of objects) {
      const target = join(root, object.key.slice(prefix.length));
      // Keys have no "." or ".." segments, which the server rejects, so this is only a safeguard.
      if (relative(root, target).split(sep).includes('..')) {
        throw new Error(`Key ${JSON.stringify(object.key)} would land outside ${folder}.`);
      }
      if (object.key.endsWith('/')) {
        await mkdir(target, { recursive: true });
        saved += 1;
        continue;
      }

      await mkdir(join(target, '..'), { recursive: true });
      const response = await context.client().request(`/storage/download/${encodeKey(object.key)}`);
      const download = await saveToFile(response, target, (bytes) => progress.advance(bytes));
      if (!download.saved) {
        progress.stop();
        context.stderr.write(
          `Stopped on ${download.signal} after ${saved} of ${objects.length} files.\n`,
        );
        return signalExitCode(download.signal!);
      }
      saved += 1;
    }
  } catch (error) {
    progress.stop();
    context.stderr.write(
      `Downloaded ${saved} of ${objects.length} files before the error below; ` +
        'run the command again to download them all.\n',
    );
    throw error;
  }

  progress.stop();
  context.stderr.write(
    `Downloaded ${objects.length} file${objects.length === 1 ? '' : 's'} ` +
      `(${formatBytes(total)}) under ${prefix} to ${folder}\n`,
  );
  return 0;
}
