import type { ServerResponse } from 'node:http';
import { validateContentKey } from '../../storage/folder-markers.js';
import {
  MAX_PART_NUMBER,
  PartListError,
  UploadGoneError,
  type MultipartUpload,
} from '../../storage/multipart-uploads.js';
import { checkedBody } from '../request-body.js';
import { s3Errors } from '../s3-error.js';
import { send, userMetadataFrom, type S3Request } from '../s3-request.js';
import { parseXml, renderXml } from '../xml.js';
import { readSmallBody } from './delete-objects.js';
import { pageUploads } from './upload-listing.js';
import { uploadPartCopy } from './upload-part-copy.js';
import { recheckCredentials, type S3Context } from './object-context.js';
import { rejectUnkeptFeatures, writeConditions } from './put-object.js';
import { keyEncodingOf } from './key-encoding.js';

/** Uploads or parts listed on one page of ListMultipartUploads or ListParts at most, as in S3. */
const MAX_ENTRIES_PER_PAGE = 1000;

export async function createMultipartUpload(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const key = validateContentKey(request.key!, 'a multipart upload');
  rejectUnkeptFeatures(request);
  const upload = await context.uploads.create(request.bucket!, key, {
    contentType: request.headers['content-type'],
    userMetadata: userMetadataFrom(request.headers),
  });
  context.logger.info({ uploadId: upload.uploadId, key }, 'Created multipart upload');
  send(
    response,
    request,
    200,
    {},
    renderXml('InitiateMultipartUploadResult', {
      Bucket: request.bucket,
      Key: key,
      UploadId: upload.uploadId,
    }),
  );
}

export async function uploadPart(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const upload = findUpload(request, context);
  const partNumber = Number(request.query.get('partNumber'));
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw s3Errors.invalidArgument(
      `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`,
      'partNumber',
      request.query.get('partNumber'),
    );
  }
  if (request.headers['x-amz-copy-source'] !== undefined) {
    return uploadPartCopy(request, response, context, upload, partNumber);
  }
  const body = checkedBody(request);
  let checksums: Record<string, string> = {};
  let part;
  try {
    part = await context.uploads.putPart(upload, partNumber, body.stream, {
      maxBytes: context.maxUploadBytes,
      verify: async () => {
        checksums = await body.verify();
        recheckCredentials(request, context);
      },
    });
  } catch (error) {
    if (error instanceof UploadGoneError) throw s3Errors.noSuchUpload(error.uploadId);
    throw error;
  }
  send(response, request, 200, { etag: `"${part.etag}"`, ...checksums });
}

export async function completeMultipartUpload(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const upload = findUpload(request, context);
  const conditions = writeConditions(request, 'CompleteMultipartUpload');
  const root = parseXml(await readSmallBody(request), 'CompleteMultipartUpload');
  const listed = (root.Part as { PartNumber?: unknown; ETag?: unknown }[] | undefined) ?? [];
  const parts = listed.map((part) => {
    const partNumber = Number(part.PartNumber);
    if (!Number.isInteger(partNumber) || typeof part.ETag !== 'string')
      throw s3Errors.malformedXml();
    return { partNumber, etag: part.ETag.trim() };
  });
  let info;
  try {
    info = await context.uploads.complete(upload, parts, context.maxUploadBytes, conditions);
  } catch (error) {
    if (error instanceof UploadGoneError) throw s3Errors.noSuchUpload(error.uploadId);
    if (error instanceof PartListError) {
      if (error.reason === 'invalid-order') throw s3Errors.invalidPartOrder();
      if (error.reason === 'too-small') throw s3Errors.entityTooSmall();
      throw s3Errors.invalidPart(error.message);
    }
    throw error;
  }
  context.logger.info(
    { uploadId: upload.uploadId, key: upload.key, parts: parts.length },
    'Completed multipart upload',
  );
  send(
    response,
    request,
    200,
    {},
    renderXml('CompleteMultipartUploadResult', {
      Location: `/${request.bucket}/${encodeURIComponent(upload.key).replace(/%2F/g, '/')}`,
      Bucket: request.bucket,
      Key: upload.key,
      ETag: `"${info.etag}"`,
    }),
  );
}

export async function abortMultipartUpload(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const upload = findUpload(request, context);
  await context.uploads.abort(upload.uploadId);
  send(response, request, 204);
}

export async function listParts(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const upload = findUpload(request, context);
  const maxParts = parsePageSize('max-parts', request.query.get('max-parts'));
  const marker = parsePartNumberMarker(request.query.get('part-number-marker'));
  const remaining = context.uploads
    .listParts(upload.uploadId)
    .filter((part) => part.partNumber > marker);
  const page = remaining.slice(0, maxParts);
  const truncated = remaining.length > page.length;
  send(
    response,
    request,
    200,
    {},
    renderXml('ListPartsResult', {
      Bucket: request.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.at(-1)?.partNumber ?? marker,
      MaxParts: maxParts,
      IsTruncated: truncated,
      StorageClass: 'STANDARD',
      Part: page.map((part) => ({
        PartNumber: part.partNumber,
        LastModified: part.lastModified,
        ETag: `"${part.etag}"`,
        Size: part.size,
      })),
    }),
  );
}

export async function listMultipartUploads(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const query = request.query;
  const { encodeUrl, encode } = keyEncodingOf(query);
  const pageRequest = {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    keyMarker: query.get('key-marker') ?? '',
    uploadIdMarker: query.get('upload-id-marker') ?? '',
    maxUploads: parsePageSize('max-uploads', query.get('max-uploads')),
  };
  const page = pageUploads(
    context.uploads.listUploads(request.bucket!, pageRequest.prefix),
    pageRequest,
  );
  const body: Record<string, unknown> = {
    Bucket: request.bucket,
    KeyMarker: encode(pageRequest.keyMarker),
    UploadIdMarker: pageRequest.uploadIdMarker,
    Prefix: encode(pageRequest.prefix),
    MaxUploads: pageRequest.maxUploads,
    IsTruncated: page.isTruncated,
    Upload: page.uploads.map((upload) => ({
      Key: encode(upload.key),
      UploadId: upload.uploadId,
      Initiated: upload.createdAt,
      StorageClass: 'STANDARD',
    })),
    CommonPrefixes: page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) })),
  };
  if (pageRequest.delimiter !== '') body.Delimiter = encode(pageRequest.delimiter);
  if (page.isTruncated) {
    body.NextKeyMarker = encode(page.nextKeyMarker);
    body.NextUploadIdMarker = page.nextUploadIdMarker;
  }
  if (encodeUrl) body.EncodingType = 'url';
  send(response, request, 200, {}, renderXml('ListMultipartUploadsResult', body));
}

/**
 * Reads a page size, `max-uploads` or `max-parts`: a non-negative integer, default 1000; larger
 * values mean 1000.
 */
function parsePageSize(name: string, text: string | undefined): number {
  if (text === undefined) return MAX_ENTRIES_PER_PAGE;
  const rule = 'a non-negative integer; a page holds 1000 entries at most';
  return Math.min(parseCount(name, text, rule), MAX_ENTRIES_PER_PAGE);
}

/** Reads `part-number-marker`: the part number after which ListParts starts, default 0. */
function parsePartNumberMarker(text: string | undefined): number {
  return text === undefined ? 0 : parseCount('part-number-marker', text, 'a non-negative integer');
}

/** Reads a query parameter that must be a non-negative integer, or raises InvalidArgument. */
function parseCount(name: string, text: string, rule: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    throw s3Errors.invalidArgument(`${name} must be ${rule}.`, name, text);
  }
  return value;
}

function findUpload(request: S3Request, context: S3Context): MultipartUpload {
  const uploadId = request.query.get('uploadId') ?? '';
  const upload = context.uploads.find(request.bucket!, request.key!, uploadId);
  if (upload === undefined) throw s3Errors.noSuchUpload(uploadId);
  return upload;
}
