import type { ServerResponse } from 'node:http';
import { s3Errors } from './s3-error.js';
import type { S3Request } from './s3-request.js';
import {
  createBucket,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
} from './operations/bucket-operations.js';
import { copyObject } from './operations/copy-object.js';
import { deleteObject, deleteObjects } from './operations/delete-objects.js';
import { getObject } from './operations/get-object.js';
import { listObjects } from './operations/list-objects.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './operations/multipart-operations.js';
import type { S3Context } from './operations/object-context.js';
import { putObject } from './operations/put-object.js';

/** Bucket sub-resources this server does not keep; requests for them get NotImplemented. */
const UNSUPPORTED_BUCKET_RESOURCES = [
  'acl',
  'policy',
  'cors',
  'lifecycle',
  'tagging',
  'website',
  'logging',
  'notification',
  'replication',
  'encryption',
  'object-lock',
  'requestPayment',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'ownershipControls',
  'publicAccessBlock',
  'intelligent-tiering',
];

/**
 * Object sub-resources this server does not keep. Each must be refused by name: without the
 * check, a request for one would fall through to the plain operation, as a `DELETE ?tagging` to
 * DeleteObject or a `PUT ?retention` to PutObject, which would delete or overwrite the object.
 */
const UNSUPPORTED_OBJECT_RESOURCES = [
  'acl',
  'tagging',
  'retention',
  'legal-hold',
  'attributes',
  'torrent',
  'restore',
  'select',
  'select-type',
  'object-lock',
  'renameObject',
];

/** Picks the S3 operation from the method, the path and the query sub-resources. */
export async function routeS3Request(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const { method, query } = request;
  if (request.bucket === undefined) {
    if (method === 'GET') return listBuckets(request, response);
    throw s3Errors.methodNotAllowed();
  }

  if (request.key === undefined) {
    const unsupported = UNSUPPORTED_BUCKET_RESOURCES.find((name) => query.has(name));
    if (unsupported !== undefined)
      throw s3Errors.notImplemented(`The bucket ${unsupported} sub-resource`);
    switch (method) {
      case 'HEAD':
        return headBucket(request, response, context);
      case 'GET':
        if (query.has('location')) return getBucketLocation(request, response, context);
        if (query.has('versioning')) return getBucketVersioning(request, response);
        if (query.has('uploads')) return listMultipartUploads(request, response, context);
        if (query.has('versions')) throw s3Errors.notImplemented('ListObjectVersions');
        return listObjects(
          request,
          response,
          context.store,
          query.get('list-type') === '2' ? 2 : 1,
        );
      case 'PUT':
        if (query.has('versioning')) throw s3Errors.notImplemented('Bucket versioning');
        return createBucket(request, response);
      case 'POST':
        if (query.has('delete')) return deleteObjects(request, response, context);
        throw s3Errors.methodNotAllowed();
      case 'DELETE':
        throw s3Errors.accessDenied('The bucket of an account cannot be deleted through S3.');
      default:
        throw s3Errors.methodNotAllowed();
    }
  }

  const unsupported = UNSUPPORTED_OBJECT_RESOURCES.find((name) => query.has(name));
  if (unsupported !== undefined) {
    throw s3Errors.notImplemented(`The object ${unsupported} sub-resource`);
  }
  rejectVersionId(query.get('versionId'));
  switch (method) {
    case 'GET':
      if (query.has('uploadId')) return listParts(request, response, context);
      return getObject(request, response, context.store);
    case 'HEAD':
      return getObject(request, response, context.store);
    case 'PUT':
      if (query.has('uploadId')) return uploadPart(request, response, context);
      if (request.headers['x-amz-copy-source'] !== undefined)
        return copyObject(request, response, context);
      return putObject(request, response, context);
    case 'POST':
      if (query.has('uploads')) return createMultipartUpload(request, response, context);
      if (query.has('uploadId')) return completeMultipartUpload(request, response, context);
      throw s3Errors.methodNotAllowed();
    case 'DELETE':
      if (query.has('uploadId')) return abortMultipartUpload(request, response, context);
      return deleteObject(request, response, context);
    default:
      throw s3Errors.methodNotAllowed();
  }
}

/**
 * Rejects a version id other than `null`, the id S3 gives objects of an unversioned bucket. This
 * bucket keeps only the current version, so any other version does not exist.
 */
export function rejectVersionId(versionId: string | undefined): void {
  if (versionId === undefined || versionId === 'null') return;
  throw s3Errors.invalidArgument('Invalid version id specified', 'versionId', versionId);
}
