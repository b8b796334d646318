import { posix } from 'node:path';
import { z } from 'zod';
import { callbackUrls } from './callback-urls.js';
import { boundedString, boundedStringList, FIELD_LIMITS } from './field-limits.js';
import { parentFolders } from '../runs/workspace-archive.js';
import type { ServerConfig } from '../config/server-config.js';
import { PULL_POLICIES } from '../config/server-config.js';
import { UnprocessableInputError } from '../errors/index.js';
import type { PythonRunSpec } from '../runs/run-record.js';
import { resolveTimeout, validateImageReference } from './docker-start-request.js';

const MAX_SOURCE_BYTES = 10 * 1024 * 1024;
/** Limits on the files of a run, far above what a project imports, so packing them stays quick. */
const MAX_IMPORT_FILES = 1000;
const MAX_PATH_BYTES = 1024;
const MAX_PATH_SEGMENTS = 16;
/** Folders of all import paths together at most: each is an entry the server packs. */
const MAX_IMPORT_FOLDERS = 1000;
const MAX_SEGMENT_BYTES = 255;
/** Characters of a rejected path quoted in an error message. */
const QUOTED_PATH_CHARACTERS = 80;

/** The body of `POST /execution/streaming/start`, with Lyceum's field names and two extensions. */
export const pythonStartBody = z.object({
  code: z.string(),
  requirements_content: boundedString(
    'requirements_content',
    FIELD_LIMITS.requirementsBytes,
  ).nullish(),
  import_files: z.union([z.string(), z.record(z.string(), z.string())]).nullish(),
  file_name: boundedString('file_name', FIELD_LIMITS.nameBytes).nullish(),
  timeout: z.number().nullish(),
  execution_type: boundedString('execution_type', FIELD_LIMITS.typeBytes).nullish(),
  user_callback_urls: callbackUrls,
  /** Not in Lyceum's API: the image to run in, and the arguments for sys.argv. */
  image: z.string().trim().min(1).nullish(),
  args: boundedStringList('args', FIELD_LIMITS.processBytes).nullish(),
  pull_policy: z.enum(PULL_POLICIES as [string, ...string[]]).nullish(),
});

/** Validates a Python start request and fills in the defaults. */
export function toPythonRunSpec(raw: unknown, config: ServerConfig): PythonRunSpec {
  const body = pythonStartBody.parse(raw);
  if (body.code.trim() === '') {
    throw new UnprocessableInputError('code is empty; send the Python source to run.');
  }
  const fileName = validateSourcePath(body.file_name ?? 'main.py', 'file_name');
  const importFiles = parseImportFiles(body.import_files ?? undefined);
  const totalBytes = [body.code, ...Object.values(importFiles)].reduce(
    (sum, text) => sum + Buffer.byteLength(text),
    0,
  );
  if (totalBytes > MAX_SOURCE_BYTES) {
    throw new UnprocessableInputError(
      `The code and import files add up to ${totalBytes} bytes, over the limit of ${MAX_SOURCE_BYTES}; ` +
        'put data in the bucket and read it from there.',
    );
  }
  return {
    kind: 'python',
    code: body.code,
    fileName,
    importFiles,
    requirements: body.requirements_content?.trim() ? body.requirements_content : undefined,
    args: body.args ?? [],
    image: validateImageReference(body.image ?? config.defaultPythonImage, 'image'),
    timeoutSeconds: resolveTimeout(body.timeout ?? undefined, config),
    pullPolicy: (body.pull_policy ?? config.defaultPullPolicy) as PythonRunSpec['pullPolicy'],
    executionType: body.execution_type ?? 'cpu',
    callbackUrls: body.user_callback_urls ?? [],
  };
}

/** Reads `import_files`: a JSON string (as Lyceum's CLI sends it) or an object, path to source. */
function parseImportFiles(
  raw: string | Record<string, string> | undefined,
): Record<string, string> {
  if (raw === undefined || raw === '') return {};
  let files: unknown = raw;
  if (typeof raw === 'string') {
    try {
      files = JSON.parse(raw);
    } catch {
      throw new UnprocessableInputError(
        'import_files is not valid JSON; send an object that maps relative paths to source text.',
      );
    }
  }
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new UnprocessableInputError('import_files must map relative paths to source text.');
  }
  const entries = Object.entries(files);
  if (entries.length > MAX_IMPORT_FILES) {
    throw new UnprocessableInputError(
      `import_files has ${entries.length} files, over the limit of ${MAX_IMPORT_FILES}; ` +
        'send the modules the script imports, and put other files in the bucket.',
    );
  }
  const checked: Record<string, string> = {};
  for (const [path, text] of entries) {
    if (typeof text !== 'string') {
      throw new UnprocessableInputError(
        `import_files entry ${quotePath(path)} must be source text.`,
      );
    }
    checked[validateSourcePath(path, 'import_files')] = text;
  }
  const folders = parentFolders(Object.keys(checked));
  if (folders.size > MAX_IMPORT_FOLDERS) {
    throw new UnprocessableInputError(
      `import_files spans ${folders.size} folders, over the limit of ${MAX_IMPORT_FOLDERS}; ` +
        'send the modules the script imports, and put other files in the bucket.',
    );
  }
  return checked;
}

/**
 * Checks a path of a file placed in the working directory: relative, normalised, no "..", and
 * within the limits on its length and depth.
 */
export function validateSourcePath(path: string, field: string): string {
  const normalised = posix.normalize(path);
  const segments = path.split('/');
  if (
    Buffer.byteLength(path) > MAX_PATH_BYTES ||
    segments.length > MAX_PATH_SEGMENTS ||
    segments.some((segment) => Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
  ) {
    throw new UnprocessableInputError(
      `${field} path ${quotePath(path)} is too long; use at most ${MAX_PATH_BYTES} bytes, ` +
        `${MAX_PATH_SEGMENTS} folders deep, with names of at most ${MAX_SEGMENT_BYTES} bytes.`,
    );
  }
  if (
    path === '' ||
    path.startsWith('/') ||
    normalised !== path ||
    normalised
      .split('/')
      .some((segment) => segment === '..' || segment === '.' || segment === '') ||
    path.includes('\u0000')
  ) {
    throw new UnprocessableInputError(
      `${field} path ${quotePath(path)} is invalid; use a relative path inside the project, such as utils/io.py.`,
    );
  }
  return path;
}

/** Quotes a path for an error message, shortened when long. */
function quotePath(path: string): string {
  if (path.length <= QUOTED_PATH_CHARACTERS) return JSON.stringify(path);
  return `${JSON.stringify(path.slice(0, QUOTED_PATH_CHARACTERS))}... (${path.length} characters)`;
}
