import { mkdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { InvalidInputError, NotFoundError } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { saveToFile, signalExitCode, STOP_SIGNALS } from './download-output.js';
import { formatBytes } from './format-bytes.js';
import { listAllObjects, objectExists } from './listed-objects.js';
import { encodeKey } from './object-keys.js';

/** Codes of local file system errors where a file is in the place of a folder, or the reverse. */
const IN_THE_WAY_CODES = new Set(['ENOTDIR', 'EISDIR', 'EEXIST']);

/**
 * Downloads every object under `prefix` (a folder ending in "/", or "" for the whole bucket) into
 * `folder`, keeping the paths below the prefix, as `aws s3 cp --recursive` does. Existing files
 * are replaced. Returns the exit code: 0, 1 when there is nothing to download, or 128 plus the
 * signal that stopped the download. A stop leaves whole files only.
 */
export async function downloadFolder(
  context: CliContext,
  prefix: string,
  folder: string,
): Promise<number> {
  const objects = await listAllObjects(context, prefix);
  if (objects.length === 0) throw new NotFoundError(await nothingUnder(context, prefix));

  const root = resolve(folder);
  const total = objects.reduce((sum, object) => sum + object.size, 0);
  // The progress bar library loads only for transfers, to keep other commands quick to start.
  const { TransferProgress } = await import('./progress.js');
  const progress = new TransferProgress('Downloading', total, context.stderr);
  // Registered for the whole download, so a signal between two files also stops it after the
  // last whole file, instead of ending the process at once or going unnoticed.
  let stopSignal: NodeJS.Signals | undefined;
  const onSignal = (received: NodeJS.Signals) => {
    stopSignal ??= received;
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  let saved = 0;

  try {
    for (const object of objects) {
      if (stopSignal !== undefined) break;
      const target = join(root, object.key.slice(prefix.length));
      // Keys have no "." or ".." segments, which the server rejects, so this is only a safeguard.
      if (relative(root, target).split(sep).includes('..')) {
        throw new Error(`Key ${JSON.stringify(object.key)} would land outside ${folder}.`);
      }

      await mkdir(join(target, '..'), { recursive: true });
      const response = await context.client().request(`/storage/download/${encodeKey(object.key)}`);
      const download = await saveToFile(response, target, (bytes) => progress.advance(bytes));
      stopSignal ??= download.signal;
      if (download.saved) saved += 1;
    }
  } catch (error) {
    progress.stop();
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && IN_THE_WAY_CODES.has(code)) {
      throw new InvalidInputError(
        `Downloaded ${saved} of ${objects.length} files, then a local file and folder stood in ` +
          `each other's way (${(error as Error).message}); move it or choose another -o folder.`,
      );
    }
    context.stderr.write(
      `Downloaded ${saved} of ${objects.length} files before the error below; ` +
        'run the command again to download them all.\n',
    );
    throw error;
  } finally {
    for (const name of STOP_SIGNALS) process.off(name, onSignal);
  }

  progress.stop();
  if (stopSignal !== undefined) {
    context.stderr.write(`Stopped on ${stopSignal} after ${saved} of ${objects.length} files.\n`);
    return signalExitCode(stopSignal);
  }
  context.stderr.write(
    `Downloaded ${objects.length} file${objects.length === 1 ? '' : 's'} ` +
      `(${formatBytes(total)}) under ${prefix === '' ? 'the bucket' : prefix} to ${folder}\n`,
  );
  return 0;
}

/** Returns the message for an empty `prefix`, which names an object of that name if there is one. */
async function nothingUnder(context: CliContext, prefix: string): Promise<string> {
  const key = prefix.replace(/\/$/, '');
  if (await objectExists(context, key)) {
    return `"${key}" is an object, not a folder: download it without -r.`;
  }
  return `No objects under ${prefix === '' ? 'the bucket' : prefix}; "lyceum storage ls" shows what there is.`;
}
