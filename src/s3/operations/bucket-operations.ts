import type { ServerResponse } from 'node:http';
import type { Account } from '../../accounts/account-registry.js';
import { send, type S3Request } from '../s3-request.js';
import { renderXml } from '../xml.js';
import type { S3Context } from './object-context.js';

/** ListBuckets: only the caller's own bucket. */
export function listBuckets(request: S3Request, response: ServerResponse): void {
  const account: Account = request.account;
  send(
    response,
    request,
    200,
    {},
    renderXml('ListAllMyBucketsResult', {
      Owner: { ID: account.id, DisplayName: account.name },
      Buckets: { Bucket: [{ Name: account.bucketName, CreationDate: account.createdAt }] },
    }),
  );
}

export function headBucket(request: S3Request, response: ServerResponse, context: S3Context): void {
  send(response, request, 200, { 'x-amz-bucket-region': context.region });
}

export function getBucketLocation(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): void {
  // S3 reports us-east-1 as an empty location constraint.
  const location = context.region === 'us-east-1' ? '' : context.region;
  send(response, request, 200, {}, renderXml('LocationConstraint', { '#text': location }));
}

export function getBucketVersioning(request: S3Request, response: ServerResponse): void {
  send(response, request, 200, {}, renderXml('VersioningConfiguration', {}));
}

/** CreateBucket of the caller's own bucket succeeds, as S3 does in us-east-1 for an owner. */
export function createBucket(request: S3Request, response: ServerResponse): void {
  send(response, request, 200, { location: `/${request.bucket}` });
}
