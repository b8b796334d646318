import type { Command } from 'commander';
import { resolveServerConfig } from '../../config/server-config.js';
import type { CliContext } from '../cli-context.js';

interface ServerOptions {
  host?: string;
  port?: string;
  s3Port?: string;
  dataDir?: string;
  publicUrl?: string;
}

/** `lyceum server`: starts the server in the foreground until SIGINT or SIGTERM. */
export function registerServerCommand(program: Command, context: CliContext): void {
  program
    .command('server')
    .description('Start the server: the REST API and the storage it owns')
    .option('--host <host>', 'address to listen on (default 127.0.0.1, or LYCEUM_HOST)')
    .option('--port <port>', 'REST API port (default 8790, or LYCEUM_PORT)')
    .option('--s3-port <port>', 'S3 endpoint port (default 8791, or LYCEUM_S3_PORT)')
    .option('--data-dir <path>', 'data directory (default ~/.lyceum/server, or LYCEUM_DATA_DIR)')
    .option(
      '--public-url <url>',
      'base URL given to clients in streaming_url, for servers behind a proxy',
    )
    .action(async (options: ServerOptions) => {
      const config = resolveServerConfig(options, context.env);
      // The server pulls in fastify, dockerode and SQLite; client commands should not pay for that.
      const { startServer } = await import('../../server/start-server.js');
      const server = await startServer(config);
      if (server.firstApiKey !== undefined) {
        context.stderr.write(
          [
            '',
            'Created the default account. Its API key is shown only this once:',
            '',
            `    ${server.firstApiKey}`,
            '',
            `The lyceum CLI of this user on this machine needs no key. Elsewhere, run:`,
            `    lyceum auth login --api-key ${server.firstApiKey} --url ${server.url}`,
            '',
          ].join('\n'),
        );
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      // Work still in flight, such as the MD5 of a large file a run wrote, would keep the process
      // alive after the server has stopped. Runs go on in their containers either way.
      process.exit(0);
    });
}
