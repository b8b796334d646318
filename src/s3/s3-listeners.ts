import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { createS3Server, type S3ServerOptions } from './s3-server.js';

/** The S3 endpoint's listeners; runs reach it through the bridge gateway address. */
export interface S3Listeners {
  port: number;
  /** The endpoint on the loopback address, for clients on this machine. */
  localUrl: string;
  /** The endpoint on the Docker bridge gateway, for containers; undefined without a bridge. */
  gatewayUrl: string | undefined;
  close(): Promise<void>;
}

/**
 * Starts the S3 endpoint on `host` and, when there is a Docker bridge, on its gateway address with
 * the same port, so containers on the default bridge can reach it and no other network can.
 */
export async function startS3Listeners(
  host: string,
  port: number,
  gateway: string | undefined,
  options: S3ServerOptions,
  logger: Logger,
): Promise<S3Listeners> {
  const servers: Server[] = [];
  const primary = createS3Server(options);
  await listen(primary, host, port);
  servers.push(primary);
  const actualPort = (primary.address() as AddressInfo).port;

  let gatewayUrl: string | undefined;
  if (gateway !== undefined && gateway !== host && host !== '0.0.0.0' && host !== '::') {
    const bridged = createS3Server(options);
    try {
      await listen(bridged, gateway, actualPort);
      servers.push(bridged);
      gatewayUrl = `http://${gateway}:${actualPort}`;
    } catch (error) {
      logger.warn(
        { err: error, gateway },
        'S3 endpoint could not listen on the Docker bridge gateway; runs cannot reach it',
      );
    }
  } else if (gateway !== undefined) {
    gatewayUrl = `http://${gateway}:${actualPort}`;
  }

  const localHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  logger.info({ port: actualPort, host, gateway: gatewayUrl }, 'S3 endpoint listening');
  return {
    port: actualPort,
    localUrl: `http://${localHost}:${actualPort}`,
    gatewayUrl,
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
