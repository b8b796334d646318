import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { checkRunNetworkAtStart } from '../runs/run-network.js';
import { stdoutLogDestination } from './log-destination.js';
import { AccountRegistry } from '../accounts/account-registry.js';
import { buildApp } from '../api/app.js';
import { dataDirLayout } from '../config/data-dir.js';
import type { ServerConfig } from '../config/server-config.js';
import { LyceumError } from '../errors/index.js';
import { openDatabase } from '../db/database.js';
import type { ContainerEngine } from '../runs/container-engine.js';
import { DockerEngine } from '../runs/docker-engine.js';
import { DockerRunner } from '../runs/docker.js';
import { PythonRunner } from '../runs/python.js';
import { ComposeRunner } from '../runs/compose.js';
import { composeCliFinder } from '../runs/detect-compose-cli.js';
import { RunManager } from '../runs/run-manager.js';
import { RunRepository } from '../runs/run-repository.js';
import { startS3Listeners } from '../s3/s3-listeners.js';
import { CredentialStore } from '../storage/credential-store.js';
import { DirectoryStore } from '../storage/directory-store.js';
import { MultipartUploads } from '../storage/multipart-uploads.js';
import { MetadataIndex } from '../storage/metadata-index.js';
import {
  createDataDir,
  ensureDefaultAccount,
  issueFirstStartKey,
  lockDataDir,
  prepareDataDir,
  readServerId,
} from './bootstrap-data-dir.js';
import { startHousekeeping } from './housekeeping.js';

/** A server that is listening; `close` stops it and leaves running containers to the next start. */
export interface RunningServer {
  app: FastifyInstance;
  /** The base URL of the REST API. */
  url: string;
  /** The S3 endpoint on the loopback address. */
  s3Url: string;
  /** The S3 endpoint on the Docker bridge gateway, where runs reach it; undefined without a bridge. */
  s3GatewayUrl: string | undefined;
  /** The key printed on the first start, or undefined on later starts. */
  firstApiKey: string | undefined;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Opens the data directory, recovers runs, and starts the REST API. */
export async function startServer(
  config: ServerConfig,
  options: { logger?: Logger; engine?: ContainerEngine } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? pino({ level: config.logLevel }, stdoutLogDestination());
  const layout = dataDirLayout(config.dataDir);
  await createDataDir(layout);
  const unlock = await lockDataDir(layout);
  await prepareDataDir(layout);
  const db = openDatabase(layout.database);
  const accounts = new AccountRegistry(db);
  const store = new DirectoryStore({
    bucketsDir: layout.buckets,
    stagingDir: layout.staging,
    metadata: new MetadataIndex(db),
    onWarning: (message) => logger.warn(message),
  });
  await store.init();

  await ensureDefaultAccount(accounts, layout);
  for (const account of accounts.list()) await store.createBucket(account.bucketName);

  const serverId = await readServerId(layout);
  const engine = options.engine ?? new DockerEngine();
  const credentials = new CredentialStore(db);
  // Known once the S3 endpoint listens; Python runs read it when they start.
  const s3ForRuns: { url: string | undefined } = { url: undefined };
  const runs = new RunManager({
    repository: new RunRepository(db),
    accounts,
    engine,
    runners: {
      docker: new DockerRunner({ engine, store, serverId, runNetwork: config.runNetwork }),
      compose: new ComposeRunner({
        engine,
        store,
        serverId,
        composeCli: composeCliFinder(config.composeVersion, config.composeEnvironment),
        workDir: layout.compose,
        allowances: config.composeAllowances,
        variables: config.composeEnvironment,
        stopGraceSeconds: config.stopGraceSeconds,
        logger: logger.child({ component: 'compose' }),
      }),
      python: new PythonRunner({
        engine,
        credentials,
        serverId,
        endpointForRuns: () => s3ForRuns.url,
        region: config.s3Region,
        runNetwork: config.runNetwork,
      }),
    },
    outputDir: layout.runOutput,
    serverId,
    stopGraceSeconds: config.stopGraceSeconds,
    logger,
  });
  const uploads = new MultipartUploads(db, store, layout.multipart, layout.staging);
  await uploads.init();
  const s3 = await startS3Listeners(
    config.host,
    config.s3Port,
    await engine.bridgeGateway(),
    {
      store,
      uploads,
      accounts,
      credentials,
      region: config.s3Region,
      maxUploadBytes: config.maxUploadBytes,
      logger: logger.child({ component: 's3' }),
    },
    logger,
  ).catch(async (error: unknown) => {
    db.close();
    await unlock();
    throw explainListenError(error, config.host, config.s3Port, '--s3-port');
  });
  s3ForRuns.url = config.s3PublicUrlForRuns ?? s3.gatewayUrl;
  if (s3ForRuns.url === undefined) {
    logger.warn(
      'Found no Docker bridge gateway (is the Docker engine running?), so the S3 endpoint listens ' +
        'on this host only and Python runs cannot start; start the engine, then restart the server',
    );
  }
  const housekeeping = startHousekeeping({ uploads, credentials, config, logger });

  if (config.runNetwork !== undefined) {
    await checkRunNetworkAtStart(engine, config.runNetwork, logger);
  }
  await runs.recover().catch((error: unknown) => {
    logger.warn(
      { err: error },
      'Could not reconcile runs with the Docker engine; will retry on the next start',
    );
  });

  let publicUrl = config.publicUrl ?? '';
  const s3Endpoint = { url: config.s3PublicUrl ?? s3.localUrl, gatewayUrl: s3.gatewayUrl };
  const app = await buildApp(
    { config, accounts, store, runs, credentials, s3Endpoint, publicUrl: () => publicUrl },
    logger,
  );
  const address = await app
    .listen({ host: config.host, port: config.port })
    .catch(async (error) => {
      clearInterval(housekeeping);
      runs.detachAll();
      await s3.close();
      db.close();
      await unlock();
      throw explainListenError(error, config.host, config.port, '--port');
    });
  publicUrl ||= listenedUrl(app, config.host);
  await writeFile(layout.localUrl, `${publicUrl}\n`, { mode: 0o600 });
  const firstApiKey = issueFirstStartKey(accounts);
  logger.info({ address, dataDir: config.dataDir }, 'Lyceum server listening');

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      logger.info('Stopping server; running containers go on and are resumed on the next start');
      runs.detachAll();
      clearInterval(housekeeping);
      await Promise.all([app.close(), s3.close()]);
      await store.close();
      db.close();
      await unlock();
      logger.info('Stopped server');
    })();
    return closed;
  };
  return {
    app,
    url: publicUrl,
    s3Url: s3.localUrl,
    s3GatewayUrl: s3.gatewayUrl,
    firstApiKey,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Builds the URL clients on this machine use; a wildcard address becomes the loopback address. */
function listenedUrl(app: FastifyInstance, host: string): string {
  const { port } = app.server.address() as AddressInfo;
  let reachable = host;
  if (host === '0.0.0.0') reachable = '127.0.0.1';
  if (host === '::') reachable = '[::1]';
  const bracketed =
    reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${bracketed}:${port}`;
}

/** Turns "address in use" and similar listen errors into a message that says what to change. */
function explainListenError(error: unknown, host: string, port: number, flag: string): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new LyceumError(
      `Port ${port} on ${host} is already in use (another lyceum server?); stop that process or ` +
        `choose another port with ${flag}.`,
      { cause: error },
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
    return new LyceumError(
      `Cannot listen on ${host}:${port} (${code}); check --host and ${flag}.`,
      { cause: error },
    );
  }
  return error;
}
