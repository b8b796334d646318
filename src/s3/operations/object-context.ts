import type { Logger } from 'pino';
import type { ObjectStore } from '../../storage/object-store.js';
import type { MultipartUploads } from '../../storage/multipart-uploads.js';

/** The services S3 operations use. */
export interface S3Context {
  store: ObjectStore;
  uploads: MultipartUploads;
  region: string;
  maxUploadBytes: number;
  logger: Logger;
}
