import type { Logger } from 'pino';
import type { ServerConfig } from '../config/server-config.js';
import type { CredentialStore } from '../storage/credential-store.js';
import type { MultipartUploads } from '../storage/multipart-uploads.js';

const INTERVAL_MS = 10 * 60 * 1000;

/**
 * Removes idle multipart uploads and long-expired credentials now and every ten minutes.
 * Returns the timer, which does not keep the process alive.
 */
export function startHousekeeping(options: {
  uploads: MultipartUploads;
  credentials: CredentialStore;
  config: ServerConfig;
  logger: Logger;
}): NodeJS.Timeout {
  const { uploads, credentials, config, logger } = options;
  const sweep = async () => {
    try {
      const removed = await uploads.removeIdle(config.multipartMaxIdleSeconds * 1000);
      if (removed > 0) logger.info({ removed }, 'Removed idle multipart uploads');
      credentials.prune();
    } catch (error) {
      logger.warn({ err: error }, 'Housekeeping failed; will retry');
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), INTERVAL_MS);
  timer.unref();
  return timer;
}
