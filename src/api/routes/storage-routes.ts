import type { MultipartFile } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { InvalidInputError, PayloadTooLargeError } from '../../errors/index.js';
import { isHeaderValue, sendableContentType } from '../header-value.js';
import { validateFolderPrefix, validateObjectKey } from '../../storage/object-key.js';
import type { ObjectInfo, StagedObject } from '../../storage/object-store.js';
import type { AppContext } from '../app-context.js';
import { recheckApiKey } from '../authenticate.js';
import { ifRangeHolds, resolveByteRange } from '../byte-range.js';

const listQuery = z.object({
  prefix: z.string().default(''),
  max_files: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Lists only keys after this one, so a client can page through a large bucket. */
  start_after: z.string().optional(),
});

const uploadQuery = z.object({ key: z.string().optional() });

interface StagedPart {
  staged: StagedObject;
  fileName: string;
  contentType: string | undefined;
}

/** Registers the storage routes of the Lyceum API: list, upload, bulk upload, download, delete, delete-folder. */
export function registerStorageRoutes(app: FastifyInstance, context: AppContext): void {
  const { store, config } = context;

  app.get('/storage/list-files', async (request) => {
    const query = listQuery.parse(request.query);
    const files: ReturnType<typeof describeObject>[] = [];
    const options = { prefix: query.prefix, startAfter: query.start_after };
    for await (const info of store.list(request.account.bucketName, options)) {
      files.push(describeObject(info));
      if (files.length >= query.max_files) break;
    }
    return files;
  });

  app.post('/storage/upload', async (request, reply) => {
    const query = uploadQuery.parse(request.query);
    if (query.key !== undefined) validateObjectKey(query.key);
    const { files, fields } = await stageParts(request, config.maxUploadBytes, 'file');
    try {
      if (files.length !== 1) {
        throw new InvalidInputError(
          `Upload needs exactly one file part named "file"; got ${files.length}.`,
        );
      }
      const [part] = files as [StagedPart];
      const key = validateObjectKey(query.key ?? fields.key ?? part.fileName);
      const info = await part.staged.commit(key, { contentType: part.contentType });
      request.log.info({ key, size: info.size }, 'Stored object');
      return reply.status(200).send({ key: info.key, size: info.size, etag: info.etag });
    } finally {
      await Promise.all(files.map((part) => part.staged.discard()));
    }
  });

  app.post('/storage/upload-bulk', async (request) => {
    const { files, fields } = await stageParts(request, config.maxUploadBytes, 'files');
    try {
      if (files.length === 0) {
        throw new InvalidInputError('Bulk upload needs at least one file part named "files".');
      }
      const prefix = normaliseFolderPrefix(fields.folder_prefix ?? '');
      const keys = files.map((part) => validateObjectKey(`${prefix}${part.fileName}`));
      const uploaded: ReturnType<typeof describeObject>[] = [];
      for (const [index, part] of files.entries()) {
        const info = await part.staged.commit(keys[index]!, { contentType: part.contentType });
        uploaded.push(describeObject(info));
      }
      return { keys, uploaded };
    } finally {
      await Promise.all(files.map((part) => part.staged.discard()));
    }
  });

  app.get('/storage/download/*', async (request, reply) => {
    const key = validateObjectKey(wildcard(request));
    const { info, body, content, range } = await store.read(
      request.account.bucketName,
      key,
      (info) =>
        ifRangeHolds(firstValue(request.headers['if-range']), info)
          ? resolveByteRange(request.headers.range, info.size)
          : undefined,
    );
    reply
      .header('content-type', sendableContentType(info.contentType))
      .header('etag', `"${info.etag}"`)
      .header('last-modified', info.lastModified.toUTCString())
      .header('accept-ranges', 'bytes');
    if (range === undefined) {
      reply.header('content-length', info.size);
      return reply.status(200).send(content ?? body);
    }
    reply
      .header('content-range', `bytes ${range.start}-${range.end}/${info.size}`)
      .header('content-length', range.end - range.start + 1);
    return reply.status(206).send(content ?? body);
  });

  app.delete('/storage/delete/*', async (request) => {
    const key = validateObjectKey(wildcard(request));
    await store.delete(request.account.bucketName, key);
    request.log.info({ key }, 'Deleted object');
    return { key, deleted: true };
  });

  app.delete('/storage/delete-folder/*', async (request) => {
    const prefix = validateFolderPrefix(wildcard(request));
    const deletedCount = await store.deleteFolder(request.account.bucketName, prefix);
    request.log.info({ prefix, deletedCount }, 'Deleted folder');
    return { deleted_count: deletedCount, prefix };
  });

  /**
   * Streams every file part into staging, in order, and collects the plain fields. A file part must
   * be read to its end before the next part arrives, so staging happens here, and the key, which may
   * come after the file, is applied on commit.
   */
  async function stageParts(
    request: FastifyRequest,
    maxBytes: number,
    fileField: string,
  ): Promise<{ files: StagedPart[]; fields: Record<string, string> }> {
    if (!request.isMultipart()) {
      throw new InvalidInputError(
        `Expected a multipart/form-data body with a "${fileField}" file part; ` +
          `got ${request.headers['content-type'] ?? 'no content type'}.`,
      );
    }
    const files: StagedPart[] = [];
    const fields: Record<string, string> = {};
    try {
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== fileField) {
          part.file.resume();
          throw new InvalidInputError(
            `Unexpected file part "${part.fieldname}"; send the file as "${fileField}".`,
          );
        }
        files.push(await stagePart(part, request.account.bucketName, maxBytes));
      }
    } catch (error) {
      await Promise.all(files.map((part) => part.staged.discard()));
      throw translateMultipartError(error, maxBytes);
    }
    try {
      recheckApiKey(request, context.accounts);
    } catch (error) {
      await Promise.all(files.map((part) => part.staged.discard()));
      throw error;
    }
    return { files, fields };
  }

  async function stagePart(
    part: MultipartFile,
    bucket: string,
    maxBytes: number,
  ): Promise<StagedPart> {
    const staged = await store.stage(bucket, part.file, { maxBytes });
    if (part.file.truncated) {
      await staged.discard();
      throw tooLarge(maxBytes);
    }
    const declared = part.mimetype;
    if (declared !== undefined && !isHeaderValue(declared)) {
      await staged.discard();
      throw new InvalidInputError(
        `The content type ${JSON.stringify(declared)} of file part "${part.fieldname}" is not a valid ` +
          'header value: use printable ISO-8859-1 characters only, such as text/csv.',
      );
    }
    return {
      staged,
      fileName: part.filename,
      contentType: declared && declared !== 'application/octet-stream' ? declared : undefined,
    };
  }
}

function describeObject(info: ObjectInfo) {
  return {
    key: info.key,
    size: info.size,
    last_modified: info.lastModified.toISOString(),
    etag: info.etag,
  };
}

function normaliseFolderPrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `${validateObjectKey(trimmed)}/`;
}

function wildcard(request: FastifyRequest): string {
  return (request.params as { '*': string })['*'];
}

function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `Upload is larger than the server's limit of ${maxBytes} bytes; split the file or raise LYCEUM_MAX_UPLOAD_BYTES.`,
  );
}

function translateMultipartError(error: unknown, maxBytes: number): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'FST_REQ_FILE_TOO_LARGE') return tooLarge(maxBytes);
  return error;
}

/** Returns a header's value, or its first value when it was sent more than once. */
function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
