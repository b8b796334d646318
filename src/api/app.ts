import multipart from '@fastify/multipart';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AppContext } from './app-context.js';
import { AuthFailureCounter, bearerAuthentication, recheckApiKey } from './authenticate.js';
import { handleError } from './error-handler.js';
import { errorForLog, requestForLog } from './request-log.js';
import { registerCredentialRoutes } from './routes/credential-routes.js';
import { registerExecutionRoutes } from './routes/execution-routes.js';
import { registerStorageRoutes } from './routes/storage-routes.js';
import { limitConnections } from '../server/connection-limits.js';

/** Open API connections at most, run streams included. */
const API_CONNECTIONS = 4096;

export const API_PREFIX = '/api/v2/external';

/** Builds the REST API without listening, so tests can inject requests. */
export async function buildApp(
  context: AppContext,
  logger: FastifyBaseLogger,
): Promise<FastifyInstance> {
  const app = Fastify({
    // A key someone puts in a query string must not reach the log with the request's URL.
    loggerInstance: logger.child({}, { serializers: { req: requestForLog, err: errorForLog } }),
    bodyLimit: 16 * 1024 * 1024,
    // Followers of run streams keep connections open for hours; a stopping server must not wait.
    forceCloseConnections: true,
  });
  app.setErrorHandler(handleError);
  // Run streams hold connections for hours; this keeps file descriptors for everything else.
  // A run stream writes a keepalive every 15 s, so only dead connections reach the idle timeout.
  limitConnections(app.server, {
    total: API_CONNECTIONS,
    headersTimeoutMs: 20_000,
    idleTimeoutMs: 120_000,
  });

  app.get('/health', async () => ({ status: 'ok' }));

  const failures = new AuthFailureCounter();
  await app.register(
    async (api) => {
      await api.register(multipart, {
        limits: {
          fileSize: context.config.maxUploadBytes,
          files: 10_000,
          fields: 100,
          fieldSize: 1024 * 1024,
        },
      });
      api.addHook('onRequest', bearerAuthentication(context.accounts, failures));
      // Runs after a JSON body was read; streamed uploads check again before they commit.
      api.addHook('preHandler', async (request) => recheckApiKey(request, context.accounts));
      registerStorageRoutes(api, context);
      registerCredentialRoutes(api, context);
      registerExecutionRoutes(api, context);
    },
    { prefix: API_PREFIX },
  );
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ detail: `No route ${request.method} ${request.url.split('?')[0]}.` }),
  );
  return app;
}
