import type { ServerResponse } from 'node:http';
import { InvalidInputError, NotFoundError } from '../../errors/index.js';
import { checkedBody } from '../request-body.js';
import { s3Errors } from '../s3-error.js';
import { send, type S3Request } from '../s3-request.js';
import { parseXml, renderXml } from '../xml.js';
import type { S3Context } from './object-context.js';

const MAX_DELETE_KEYS = 1000;
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024;

/** DeleteObject: succeeds whether or not the object existed, as in S3. */
export async function deleteObject(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  await context.store.delete(request.bucket!, request.key!).catch((error: unknown) => {
    if (!(error instanceof NotFoundError)) throw error;
  });
  send(response, request, 204);
}

/** DeleteObjects: deletes up to 1000 keys and reports each one. */
export async function deleteObjects(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const text = await readSmallBody(request);
  const root = parseXml(text, 'Delete');
  const objects = (root.Object as { Key?: unknown; VersionId?: unknown }[] | undefined) ?? [];
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw s3Errors.malformedXml();
  const quiet =
    String(root.Quiet ?? 'false')
      .trim()
      .toLowerCase() === 'true';

  const deleted: { Key: string }[] = [];
  const errors: { Key: string; Code: string; Message: string }[] = [];
  for (const object of objects) {
    if (typeof object.Key !== 'string') throw s3Errors.malformedXml();
    const key = object.Key;
    // Only the current version exists, whose id is "null"; another version is not found.
    const versionId = typeof object.VersionId === 'string' ? object.VersionId.trim() : 'null';
    if (versionId !== 'null') {
      errors.push({
        Key: key,
        Code: 'NoSuchVersion',
        Message: 'The specified version does not exist.',
      });
      continue;
    }
    try {
      await context.store.delete(request.bucket!, key);
      deleted.push({ Key: key });
    } catch (error) {
      if (error instanceof NotFoundError) {
        deleted.push({ Key: key });
      } else if (error instanceof InvalidInputError) {
        errors.push({ Key: key, Code: 'InvalidArgument', Message: error.message });
      } else {
        context.logger.warn({ err: error, key }, 'DeleteObjects failed for a key');
        errors.push({
          Key: key,
          Code: 'InternalError',
          Message: 'We encountered an internal error.',
        });
      }
    }
  }
  send(
    response,
    request,
    200,
    {},
    renderXml('DeleteResult', { ...(quiet ? {} : { Deleted: deleted }), Error: errors }),
  );
}

/** Reads a small XML request body whole, checking its declared digests. */
export async function readSmallBody(request: S3Request): Promise<string> {
  const body = checkedBody(request);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_DELETE_BODY_BYTES) throw s3Errors.malformedXml();
    chunks.push(chunk as Buffer);
  }
  await body.verify();
  return Buffer.concat(chunks).toString('utf8');
}
