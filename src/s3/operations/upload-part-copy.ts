import type { ServerResponse } from 'node:http';
import { NotFoundError } from '../../errors/index.js';
import type { ByteRange } from '../../storage/object-store.js';
import { UploadGoneError, type MultipartUpload } from '../../storage/multipart-uploads.js';
import { s3Errors } from '../s3-error.js';
import { send, type S3Request } from '../s3-request.js';
import { renderXml } from '../xml.js';
import { checkCopySourceConditions, parseCopySource } from './copy-object.js';
import { recheckCredentials, type S3Context } from './object-context.js';

/**
 * UploadPartCopy: stores a part of a multipart upload from an object of the same bucket, or from
 * the byte range that `x-amz-copy-source-range` names. The AWS CLI copies and moves objects larger
 * than its multipart threshold (8 MiB by default) this way.
 */
export async function uploadPartCopy(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
  upload: MultipartUpload,
  partNumber: number,
): Promise<void> {
  const source = parseCopySource(request.headers['x-amz-copy-source']!);
  if (source.bucket !== request.bucket) {
    throw s3Errors.accessDenied('UploadPartCopy copies only within your own bucket.');
  }
  const rangeHeader = request.headers['x-amz-copy-source-range'];
  let read;
  try {
    read = await context.store.read(source.bucket, source.key, (info) =>
      rangeHeader === undefined ? undefined : parseCopyRange(rangeHeader, info.size),
    );
  } catch (error) {
    if (error instanceof NotFoundError) throw s3Errors.noSuchKey(source.key);
    throw error;
  }
  checkCopySourceConditions(request, read);

  let part;
  try {
    part = await context.uploads.putPart(upload, partNumber, read.body, {
      maxBytes: context.maxUploadBytes,
      verify: async () => recheckCredentials(request, context),
    });
  } catch (error) {
    if (error instanceof UploadGoneError) throw s3Errors.noSuchUpload(error.uploadId);
    throw error;
  }
  send(
    response,
    request,
    200,
    {},
    renderXml('CopyPartResult', {
      LastModified: part.lastModified,
      ETag: `"${part.etag}"`,
    }),
  );
}

/**
 * Reads `x-amz-copy-source-range`, which must be `bytes=FIRST-LAST` with both ends inside an
 * object of `size` bytes, unlike the Range header of a GET.
 */
export function parseCopyRange(header: string, size: number): ByteRange {
  const match = /^bytes=(\d+)-(\d+)$/.exec(header.trim());
  const start = match === null ? Number.NaN : Number(match[1]);
  const end = match === null ? Number.NaN : Number(match[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end || end >= size) {
    throw s3Errors.invalidArgument(
      `The x-amz-copy-source-range value must be bytes=FIRST-LAST within the source object of ${size} bytes.`,
      'x-amz-copy-source-range',
      header,
    );
  }
  return { start, end };
}
