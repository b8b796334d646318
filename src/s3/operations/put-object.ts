import type { ServerResponse } from 'node:http';
import { isFolderMarker } from '../../storage/folder-markers.js';
import { validateObjectKey } from '../../storage/object-key.js';
import { checkedBody } from '../request-body.js';
import { send, userMetadataFrom, type S3Request } from '../s3-request.js';
import type { S3Context } from './object-context.js';

/** PutObject: stores the body atomically after every declared digest has been checked. */
export async function putObject(
  request: S3Request,
  response: ServerResponse,
  context: S3Context,
): Promise<void> {
  const key = isFolderMarker(request.key!) ? request.key! : validateObjectKey(request.key!);
  const body = checkedBody(request);
  const staged = await context.store.stage(request.bucket!, body.stream, {
    maxBytes: context.maxUploadBytes,
  });
  let checksums: Record<string, string>;
  try {
    checksums = await body.verify();
  } catch (error) {
    await staged.discard();
    throw error;
  }
  const info = await staged.commit(key, {
    contentType: request.headers['content-type'],
    userMetadata: userMetadataFrom(request.headers),
    checksums,
  });
  send(response, request, 200, { etag: `"${info.etag}"`, ...checksums });
}
