import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import { ApiError } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { registerCredentialsCommand } from './credentials-command.js';
import { printResult } from '../cli-context.js';
import {
  downloadTarget,
  partialPath,
  saveToFile,
  signalExitCode,
  writeToStdout,
  type SavedDownload,
} from '../download-output.js';
import { downloadFolder } from '../download-folder.js';
import { formatBytes } from '../format-bytes.js';
import { listAllObjects, objectExists, type ListedObject } from '../listed-objects.js';
import {
  checkFolderPrefix,
  checkListPrefix,
  checkObjectKey,
  encodeKey,
  rejectAwsStyle,
} from '../object-keys.js';

interface StoredObject {
  key: string;
  size: number;
  etag: string;
}

/**
 * Number of a folder's uploads in flight at once. Small files spend most of their time waiting on
 * the round trip and the server's fsyncs, which overlap.
 */
const UPLOADS_IN_FLIGHT = 4;

/** `lyceum storage ...`: list, upload, download and delete objects in the account's bucket. */
export function registerStorageCommands(program: Command, context: CliContext): void {
  const storage = program.command('storage').description("Work with your account's bucket");
  registerCredentialsCommand(storage, context);

  storage
    .command('ls')
    .description('List objects; folders are rolled up unless -r is given')
    .argument('[prefix]', 'only keys that start with this prefix', '')
    .option('-r, --recursive', 'list every object below the prefix')
    .option('--json', 'print the listing as JSON')
    .action(async (prefix: string, options: { recursive?: boolean; json?: boolean }) => {
      const objects = await listAllObjects(context, checkListPrefix(prefix));
      const entries = options.recursive ? objects : rollUpFolders(objects, prefix);
      printResult(context, options.json, entries, () => formatListing(entries));
    });

  storage
    .command('load')
    .description('Upload a file, or a folder with -r')
    .argument('<path>', 'local file or folder')
    .option(
      '--key <key>',
      'destination key, or a folder ending in "/" that gets the file name (with -r: the key prefix)',
    )
    .option('-r, --recursive', 'upload a folder and everything in it')
    .option('--json', 'print the stored keys as JSON')
    .action(
      async (path: string, options: { key?: string; recursive?: boolean; json?: boolean }) => {
        if (options.key !== undefined) rejectAwsStyle(options.key, '--key');
        const { files, skipped } = await filesToUpload(path, options);
        if (skipped.length > 0) context.stderr.write(describeSkipped(skipped));
        if (files.length === 0) {
          context.stderr.write(`No files to upload in ${path}.\n`);
          printResult(context, options.json, [], () => '');
          return;
        }
        const total = files.reduce((sum, file) => sum + file.size, 0);
        // The progress bar library loads only for transfers, to keep other commands quick to start.
        const { TransferProgress } = await import('../progress.js');
        const progress = new TransferProgress('Uploading', total, context.stderr);
        let stored: StoredObject[];
        let uploaded = 0;
        try {
          stored = await inOrder(files, UPLOADS_IN_FLIGHT, async (file) => {
            const result = await uploadFile(context, file, (bytes) => progress.advance(bytes));
            uploaded += 1;
            return result;
          });
        } catch (error) {
          progress.stop();
          if (files.length > 1) {
            context.stderr.write(
              `Uploaded ${uploaded} of ${files.length} files before the error below; ` +
                'fix it and run the command again.\n',
            );
          }
          throw error;
        }
        progress.stop();
        printResult(context, options.json, stored, () =>
          stored.map((item) => `Uploaded ${item.key} (${formatBytes(item.size)})`).join('\n'),
        );
      },
    );

  storage
    .command('download')
    .description('Download an object, or with -r every object under a folder')
    .argument('<key>', 'the object key, or with -r the folder, such as results/ (/ for all)')
    .option(
      '-o, --output <path>',
      "file or existing folder to write to, or - for stdout (default: the key's file name)",
    )
    .option('-r, --recursive', 'download every object under the folder into the output folder')
    .action(async (key: string, options: { output?: string; recursive?: boolean }) => {
      if (options.recursive) {
        if (options.output === '-') {
          throw new InvalidInputError('-r writes files into a folder; give -o FOLDER, not -o -.');
        }
        // "/" or "" names the whole bucket, which has no name of its own to make a folder of.
        const wholeBucket = /^\/*$/.test(key);
        if (wholeBucket && options.output === undefined) {
          throw new InvalidInputError(
            'Downloading the whole bucket needs a folder to write into; give -o FOLDER.',
          );
        }
        const prefix = wholeBucket ? '' : `${checkFolderPrefix(key).replace(/\/+$/, '')}/`;
        const folder = options.output ?? prefix.slice(0, -1).split('/').pop()!;
        process.exitCode = await downloadFolder(context, prefix, folder);
        return;
      }
      checkObjectKey(
        key,
        `"lyceum storage download ${key} -r" downloads every object in it, and ` +
          `"lyceum storage ls ${key} -r" lists them.`,
      );
      const folderAdvice = `"lyceum storage download ${key}/ -r" downloads every object in it.`;
      const fetchObject = () =>
        context
          .client()
          .request(`/storage/download/${encodeKey(key)}`)
          .catch((error: unknown) => rethrowForFolder(context, key, error, folderAdvice));
      if (options.output === '-') {
        process.exitCode = await writeToStdout(await fetchObject(), context.stdout);
        return;
      }
      const target = await downloadTarget(key, options.output);
      const response = await fetchObject();
      const total = Number(response.headers['content-length'] ?? 0);
      const { TransferProgress } = await import('../progress.js');
      const progress = new TransferProgress('Downloading', total, context.stderr);
      let download: SavedDownload;
      try {
        download = await saveToFile(response, target, (bytes) => progress.advance(bytes));
      } finally {
        progress.stop();
      }
      if (download.signal !== undefined) process.exitCode = signalExitCode(download.signal);
      context.stderr.write(
        download.saved
          ? `Downloaded ${key} to ${target}\n`
          : `Stopped downloading ${key} on ${download.signal}; removed ${partialPath(target)}.\n`,
      );
    });

  storage
    .command('rm')
    .description('Delete an object')
    .argument('<key>', 'the object key')
    .action(async (key: string) => {
      const folderAdvice =
        `"lyceum storage rmdir ${key}" deletes the folder and every object in it, ` +
        `and "lyceum storage ls ${key} -r" lists them.`;
      await context
        .client()
        .send(`/storage/delete/${encodeKey(checkObjectKey(key, folderAdvice))}`, {
          method: 'DELETE',
        })
        .catch((error: unknown) =>
          rethrowForFolder(
            context,
            key,
            error,
            `"lyceum storage rmdir ${key}/" deletes it and every object in it.`,
          ),
        );
      context.stdout.write(`Deleted ${key}\n`);
    });

  storage
    .command('rmdir')
    .description('Delete every object under a folder prefix')
    .argument('<prefix>', 'the folder, for example results/')
    .option('--json', 'print the result as JSON')
    .action(async (prefix: string, options: { json?: boolean }) => {
      const result = await context
        .client()
        .json<{ deleted_count: number }>(
          `/storage/delete-folder/${encodeKey(checkFolderPrefix(prefix))}`,
          {
            method: 'DELETE',
          },
        );
      printResult(
        context,
        options.json,
        result,
        () =>
          `Deleted ${result.deleted_count} object${result.deleted_count === 1 ? '' : 's'} under ` +
          `${prefix.replace(/\/+$/, '')}/`,
      );
      // "rmdir data.csv" for an object is the reverse slip of "rm" for a folder.
      const objectKey = prefix.replace(/\/+$/, '');
      if (result.deleted_count === 0 && (await objectExists(context, objectKey))) {
        context.stderr.write(
          `"${objectKey}" is an object, not a folder: "lyceum storage rm ${objectKey}" deletes it.\n`,
        );
      }
    });
}

/**
 * Rethrows a download or delete error. A 404 for a key that is a folder, a common slip, gets a
 * message that names the folder and ends with `advice`, the command to run on the folder.
 */
async function rethrowForFolder(
  context: CliContext,
  key: string,
  error: unknown,
  advice: string,
): Promise<never> {
  if (!(error instanceof ApiError) || error.status !== 404) throw error;
  const query = new URLSearchParams({ prefix: `${key}/`, max_files: '1' });
  const inside = await context.client().json<unknown[]>(`/storage/list-files?${query.toString()}`);
  if (inside.length === 0) throw error;
  throw new ApiError(404, `${error.message} "${key}/" is a folder: ${advice}`);
}

interface LocalFile {
  path: string;
  key: string;
  size: number;
}

async function filesToUpload(
  path: string,
  options: { key?: string; recursive?: boolean },
): Promise<{ files: LocalFile[]; skipped: string[] }> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined) {
    throw new InvalidInputError(`Local path ${JSON.stringify(path)} not found; check the path.`);
  }
  if (stats.isFile()) {
    return { files: [{ path, key: fileKey(path, options.key), size: stats.size }], skipped: [] };
  }
  if (!stats.isDirectory()) {
    throw new InvalidInputError(
      `Local path ${JSON.stringify(path)} is neither a file nor a folder.`,
    );
  }
  if (!options.recursive) {
    throw new InvalidInputError(
      `${JSON.stringify(path)} is a folder; add -r to upload it with everything in it.`,
    );
  }
  const root = resolve(path);
  const prefix = (options.key ?? basename(root)).replace(/\/+$/, '');
  const files: LocalFile[] = [];
  const { regular, skipped } = await listFiles(root);
  for (const relativePath of regular) {
    const size = (await stat(join(root, relativePath))).size;
    const key = [prefix, relativePath.split(sep).join('/')].filter((part) => part !== '').join('/');
    files.push({ path: join(root, relativePath), key, size });
  }
  return { files, skipped };
}

/**
 * Returns the key of a single uploaded file: `--key`, or the file name. A key ending in "/" names a
 * folder and gets the file name appended, as `aws s3 cp FILE s3://bucket/folder/` does.
 */
export function fileKey(path: string, key: string | undefined): string {
  if (key === undefined) return basename(path);
  return key.endsWith('/') ? `${key}${basename(path)}` : key;
}

/**
 * Lists the regular files below `root`, and apart from them the entries that are neither files
 * nor folders (links, pipes, sockets, devices), which a folder upload leaves out.
 */
async function listFiles(root: string): Promise<{ regular: string[]; skipped: string[] }> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const pathOf = (entry: (typeof entries)[number]) =>
    relative(root, join(entry.parentPath, entry.name));
  return {
    regular: entries
      .filter((entry) => entry.isFile())
      .map(pathOf)
      .sort(),
    skipped: entries
      .filter((entry) => !entry.isFile() && !entry.isDirectory())
      .map(pathOf)
      .sort(),
  };
}

/** Describes the entries a folder upload left out, naming the first few. */
function describeSkipped(skipped: string[]): string {
  const named = skipped.slice(0, 5).map((path) => JSON.stringify(path));
  const more = skipped.length > named.length ? `, and ${skipped.length - named.length} more` : '';
  return (
    `Skipped ${skipped.length} ${skipped.length === 1 ? 'entry that is' : 'entries that are'} ` +
    `not a regular file (links, pipes, devices): ${named.join(', ')}${more}.\n`
  );
}

async function uploadFile(
  context: CliContext,
  file: LocalFile,
  onBytes: (count: number) => void,
): Promise<StoredObject> {
  // Loaded on use: it brings node:crypto, which other commands do not need.
  const { multipartBody } = await import('../multipart-upload.js');
  const { body, contentType, contentLength } = multipartBody(
    [{ field: 'file', fileName: basename(file.path), path: file.path, size: file.size }],
    {},
    onBytes,
  );
  const query = new URLSearchParams({ key: file.key });
  return context.client().json<StoredObject>(`/storage/upload?${query}`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'content-length': String(contentLength) },
    body,
  });
}

type ListingEntry = ListedObject | { key: string; folder: true };

/** Keeps objects directly under `prefix` and shows each deeper folder once, as `name/`. */
function rollUpFolders(objects: ListedObject[], prefix: string): ListingEntry[] {
  const base =
    prefix === '' || prefix.endsWith('/') ? prefix : prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const seen = new Set<string>();
  const entries: ListingEntry[] = [];
  for (const object of objects) {
    const rest = object.key.slice(base.length);
    const slash = rest.indexOf('/');
    if (slash === -1) {
      entries.push(object);
      continue;
    }
    const folder = `${base}${rest.slice(0, slash + 1)}`;
    if (!seen.has(folder)) {
      seen.add(folder);
      entries.push({ key: folder, folder: true });
    }
  }
  return entries;
}

function formatListing(entries: ListingEntry[]): string {
  if (entries.length === 0) return 'No objects.';
  return entries
    .map((entry) =>
      'folder' in entry
        ? `${'DIR'.padStart(10)}  ${''.padEnd(24)}  ${entry.key}`
        : `${formatBytes(entry.size).padStart(10)}  ${entry.last_modified.padEnd(24)}  ${entry.key}`,
    )
    .join('\n');
}

/**
 * Runs `task` on every item with at most `limit` in flight, and returns the results in the items'
 * order. After a failure it starts no new task, waits for the running ones, and throws the first
 * error.
 */
async function inOrder<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}
