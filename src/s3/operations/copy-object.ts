import type { ServerResponse } from 'node:http';
import { NotFoundError } from '../../errors/index.js';
import type { ObjectRead } from '../../storage/object-store.js';
import { validateContentKey } from '../../storage/folder-markers.js';
import { decodeComponent } from '../sigv4/canonical-request.js';
import { s3Errors } from '../s3-error.js';
import { send, userMetadataFrom, type S3Request } from '../s3-request.js';
import { renderXml } from '../xml.js';
import { evaluateConditions } from './get-object.js';
import type { S3Context } from './object-context.js';
import { rejectUnkeptFeatures, writeConditions } from './put-object.js';

/** CopyObject within the caller's bucket, keeping or replacing the metadata. */
export async function copyObject(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const key = validateContentKey(request.key!, 'CopyObject');
  rejectUnkeptFeatures(request);
  const conditions = writeConditions(request, 'CopyObject');
  const source = parseCopySource(request.headers['x-amz-copy-source']!);
  if (source.bucket !== request.bucket) {
    throw s3Errors.accessDenied('CopyObject copies only within your own bucket.');
  }
  const directive = (request.headers['x-amz-metadata-directive'] ?? 'COPY').toUpperCase();
  if (directive !== 'COPY' && directive !== 'REPLACE') {
    throw s3Errors.invalidArgument(
      'Unknown metadata directive.',
      'x-amz-metadata-directive',
      directive,
    );
  }

  let read;
  try {
    read = await context.store.read(source.bucket, source.key);
  } catch (error) {
    if (error instanceof NotFoundError) throw s3Errors.noSuchKey(source.key);
    throw error;
  }
  checkCopySourceConditions(request, read);
  if (source.key === key && directive === 'COPY') {
    read.body.destroy();
    throw s3Errors.invalidRequest(
      'This copy request is illegal because it is trying to copy an object to itself without changing the metadata.',
    );
  }

  const replace = directive === 'REPLACE';
  const info = await context.store.put(request.bucket!, key, read.body, {
    contentType: replace ? request.headers['content-type'] : read.info.contentType,
    userMetadata: replace ? userMetadataFrom(request.headers) : read.info.userMetadata,
    ...conditions,
  });
  send(
    response,
    request,
    200,
    {},
    renderXml('CopyObjectResult', {
      LastModified: info.lastModified.toISOString(),
      ETag: `"${info.etag}"`,
    }),
  );
}

/**
 * Checks the `x-amz-copy-source-if-*` headers against the source object, and throws
 * PreconditionFailed, closing the source, when one does not hold.
 */
export function checkCopySourceConditions(request: S3Request, read: ObjectRead): void {
  const condition = evaluateConditions(
    {
      'if-match': request.headers['x-amz-copy-source-if-match'],
      'if-none-match': request.headers['x-amz-copy-source-if-none-match'],
      'if-modified-since': request.headers['x-amz-copy-source-if-modified-since'],
      'if-unmodified-since': request.headers['x-amz-copy-source-if-unmodified-since'],
    },
    read.info,
  );
  if (condition !== undefined) {
    read.body.destroy();
    throw s3Errors.preconditionFailed();
  }
}

/** Reads `x-amz-copy-source`: `bucket/key`, URL-encoded, optionally with a leading `/`. */
export function parseCopySource(header: string): { bucket: string; key: string } {
  const [withoutVersion, query = ''] = header.split('?') as [string, string?];
  // Only the current version exists, so a copy of a named version cannot be what was asked for.
  if (new URLSearchParams(query).has('versionId')) {
    throw s3Errors.notImplemented('Copying a version of an object (versioning)');
  }
  const decoded = decodeComponent(withoutVersion).replace(/^\//, '');
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw s3Errors.invalidArgument(
      'Copy Source must mention the source bucket and key: bucket/key.',
      'x-amz-copy-source',
      header,
    );
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}
