import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DEFAULT_CREDENTIAL_SECONDS, validateDuration } from '../../storage/credential-store.js';
import type { AppContext } from '../app-context.js';

const credentialsBody = z
  .object({ duration_seconds: z.number().optional() })
  .nullish()
  .transform((body) => body ?? {});

/** Temporary S3 credentials for the caller's bucket, and their revocation. */
export function registerCredentialRoutes(app: FastifyInstance, context: AppContext): void {
  app.post('/storage/credentials', async (request) => {
    const body = credentialsBody.parse(request.body ?? null);
    const duration = validateDuration(body.duration_seconds ?? DEFAULT_CREDENTIAL_SECONDS);
    const issued = context.credentials.issue(request.account.id, duration, request.account.keyId);
    request.log.info(
      { accessKey: issued.accessKey, expiresAt: issued.expiresAt.toISOString() },
      'Issued S3 credentials',
    );
    return {
      access_key: issued.accessKey,
      secret_key: issued.secretKey,
      session_token: issued.sessionToken,
      endpoint: context.s3Endpoint.url,
      bucket_name: request.account.bucketName,
      region: context.config.s3Region,
      expires_at: issued.expiresAt.toISOString(),
    };
  });

  // Not in Lyceum's API: revokes every temporary credential of the caller's account at once.
  app.delete('/storage/credentials', async (request) => {
    const revoked = context.credentials.revokeAll(request.account.id);
    request.log.info({ revoked }, 'Revoked S3 credentials');
    return { revoked_count: revoked };
  });
}
