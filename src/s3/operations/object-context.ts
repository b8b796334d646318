import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { CredentialStore } from '../../storage/credential-store.js';
import type { MultipartUploads } from '../../storage/multipart-uploads.js';
import { s3Errors } from '../s3-error.js';
import type { S3Request } from '../s3-request.js';

/** The services S3 operations use. */
export interface S3Context {
  store: ObjectStore;
  uploads: MultipartUploads;
  region: string;
  maxUploadBytes: number;
  logger: Logger;
  credentials: CredentialStore;
}

/**
 * Checks again, once a body has arrived, that the request's credentials were not revoked while
 * it was being sent, so that a revocation stops uploads already under way.
 */
export function recheckCredentials(request: S3Request, context: S3Context): void {
  if (context.credentials.find(request.auth.accessKey) === undefined) {
    throw s3Errors.invalidAccessKeyId();
  }
}
