import type { ServerResponse } from 'node:http';
import { isFolderMarker } from '../../storage/folder-markers.js';
import { validateObjectKey } from '../../storage/object-key.js';
import { checkedBody } from '../request-body.js';
import { s3Errors } from '../s3-error.js';
import { send, userMetadataFrom, type S3Request } from '../s3-request.js';
import { recheckCredentials, type S3Context } from './object-context.js';

/** PutObject: stores the body atomically after every declared digest has been checked. */
export async function putObject(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const key = isFolderMarker(request.key!) ? request.key! : validateObjectKey(request.key!);
  rejectUnkeptFeatures(request);
  const conditions = writeConditions(request, 'PutObject');
  const body = checkedBody(request);
  const staged = await context.store.stage(request.bucket!, body.stream, {
    maxBytes: context.maxUploadBytes,
  });
  let checksums: Record<string, string>;
  try {
    checksums = await body.verify();
    recheckCredentials(request, context);
  } catch (error) {
    await staged.discard();
    throw error;
  }
  const info = await staged.commit(key, {
    contentType: request.headers['content-type'],
    userMetadata: userMetadataFrom(request.headers),
    checksums,
    ...conditions,
  });
  send(response, request, 200, { etag: `"${info.etag}"`, ...checksums });
}

/** Canned ACLs that match how every object is stored anyway: private to its account. */
const KEPT_ACLS = new Set(['private', 'bucket-owner-full-control', 'bucket-owner-read']);
const GRANT_HEADERS = [
  'x-amz-grant-read',
  'x-amz-grant-write',
  'x-amz-grant-read-acp',
  'x-amz-grant-write-acp',
  'x-amz-grant-full-control',
];

/**
 * Rejects the parts of a write request that this server would not carry out: object tags, Object Lock,
 * and server-side encryption with the client's own key (SSE-C) or with KMS. Accepting them would
 * leave the owner believing an object tagged, locked or encrypted. SSE-S3 (`AES256`) is accepted,
 * as the bucket's disk is the server's to protect.
 */
export function rejectUnkeptFeatures(request: S3Request): void {
  const acl = request.headers['x-amz-acl']?.trim().toLowerCase();
  if (acl !== undefined && !KEPT_ACLS.has(acl)) {
    throw s3Errors.notImplemented(`The canned ACL "${acl}"; objects are private to the account`);
  }
  const grant = GRANT_HEADERS.find((name) => request.headers[name] !== undefined);
  if (grant !== undefined) throw s3Errors.notImplemented(`Access grants (${grant})`);
  const storageClass = request.headers['x-amz-storage-class']?.trim().toUpperCase();
  if (storageClass !== undefined && storageClass !== 'STANDARD') {
    throw s3Errors.notImplemented(`The storage class ${storageClass}`);
  }
  if (request.headers['x-amz-website-redirect-location'] !== undefined) {
    throw s3Errors.notImplemented('Website redirects');
  }
  if (request.headers['x-amz-tagging'] !== undefined) {
    throw s3Errors.notImplemented('Object tagging');
  }
  const lockHeaders = [
    'x-amz-object-lock-mode',
    'x-amz-object-lock-retain-until-date',
    'x-amz-object-lock-legal-hold',
  ];
  if (lockHeaders.some((name) => request.headers[name] !== undefined)) {
    throw s3Errors.notImplemented('Object Lock');
  }
  if (request.headers['x-amz-server-side-encryption-customer-algorithm'] !== undefined) {
    throw s3Errors.notImplemented('Server-side encryption with customer-provided keys (SSE-C)');
  }
  const kind = request.headers['x-amz-server-side-encryption']?.trim().toLowerCase();
  if (kind !== undefined && kind !== 'aes256') {
    throw s3Errors.notImplemented(`Server-side encryption "${kind}"`);
  }
}

/**
 * Reads the If-None-Match and If-Match headers of a conditional write: PutObject, CopyObject or
 * CompleteMultipartUpload.
 */
export function writeConditions(
  request: S3Request,
  operation: string,
): { ifNoneMatch?: '*'; ifMatch?: string } {
  const conditions: { ifNoneMatch?: '*'; ifMatch?: string } = {};
  const noneMatch = request.headers['if-none-match'];
  if (noneMatch !== undefined) {
    if (noneMatch.trim() !== '*') {
      throw s3Errors.notImplemented(`If-None-Match with a value other than * on ${operation}`);
    }
    conditions.ifNoneMatch = '*';
  }
  const match = request.headers['if-match'];
  if (match !== undefined) conditions.ifMatch = match;
  return conditions;
}
