import type { Command } from 'commander';
import {
  configFilePath,
  loadClientConfig,
  readConfigFile,
  writeConfigFile,
} from '../../config/client-config.js';
import { withoutUserInfo } from '../../config/shown-url.js';
import { InvalidInputError } from '../../errors/index.js';
import { ApiClient, ApiError } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { printResult } from '../cli-context.js';

/** `lyceum auth login|status`: the CLI's API key and server URL. */
export function registerAuthCommands(program: Command, context: CliContext): void {
  const auth = program.command('auth').description('Configure the API key and server URL');

  auth
    .command('login')
    .description('Check an API key against the server and save it in ~/.lyceum/config.json')
    .requiredOption('--api-key <key>', 'the API key, lk_...')
    .option('--url <url>', 'the server URL, for example http://127.0.0.1:8790')
    .option('--no-verify', 'save without checking the key against the server')
    .action(async (options: { apiKey: string; url?: string; verify: boolean }) => {
      if (!options.apiKey.startsWith('lk_')) {
        throw new InvalidInputError(
          '--api-key must start with "lk_"; copy the whole key the server printed.',
        );
      }
      const path = configFilePath(context.env);
      const current = readConfigFile(path) ?? {};
      const baseUrl = (
        options.url ??
        current.base_url ??
        loadClientConfig(context.env, { waitForLocalServer: false }).baseUrl
      ).replace(/\/+$/, '');
      if (options.url !== undefined && !/^https?:\/\//.test(options.url)) {
        throw new InvalidInputError(
          `--url ${JSON.stringify(withoutUserInfo(options.url))} must start with http:// or https://.`,
        );
      }
      if (options.verify) {
        const client = new ApiClient({
          baseUrl,
          apiKey: options.apiKey,
          baseUrlSource: 'config file',
          apiKeySource: 'config file',
        });
        await client.send('/storage/list-files?max_files=1').catch((error: unknown) => {
          if (!(error instanceof ApiError) || error.status !== 401) throw error;
          throw new ApiError(
            401,
            `${withoutUserInfo(baseUrl)} rejected this key: Invalid or revoked API key. Check the key; nothing was saved.`,
          );
        });
      }
      await writeConfigFile(path, { ...current, api_key: options.apiKey, base_url: baseUrl });
      context.stdout.write(`Saved the API key for ${withoutUserInfo(baseUrl)} in ${path}\n`);
    });

  auth
    .command('status')
    .description('Show which server and key the CLI uses, and whether the server accepts the key')
    .option('--json', 'print the status as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = loadClientConfig(context.env, { waitForLocalServer: false });
      let accepted: boolean | undefined;
      let problem: string | undefined;
      if (config.apiKey === undefined) {
        problem =
          config.unusedLocalServerUrl === undefined
            ? 'no key configured; run "lyceum auth login --api-key lk_..."'
            : `no key configured for ${withoutUserInfo(config.baseUrl)}; the local server listens at ${config.unusedLocalServerUrl}`;
      } else {
        try {
          await new ApiClient(config).send('/storage/list-files?max_files=1');
          accepted = true;
        } catch (error) {
          accepted = false;
          problem = (error as Error).message;
        }
      }
      const status = {
        base_url: withoutUserInfo(config.baseUrl),
        base_url_source: config.baseUrlSource,
        api_key: config.apiKey === undefined ? null : maskKey(config.apiKey),
        api_key_source: config.apiKeySource,
        accepted: accepted ?? null,
        problem: problem ?? null,
      };
      printResult(context, options.json, status, () =>
        [
          `Server:  ${status.base_url} (from ${status.base_url_source})`,
          status.api_key === null
            ? 'API key: none'
            : `API key: ${status.api_key} (from ${status.api_key_source})`,
          `Status:  ${accepted === true ? 'accepted by the server' : accepted === false ? `not accepted: ${problem}` : problem}`,
        ].join('\n'),
      );
      if (accepted !== true) process.exitCode = 1;
    });
}

/** Shows the start and end of a key only, so it can be recognised but not copied. */
export function maskKey(key: string): string {
  return key.length <= 10 ? 'lk_...' : `${key.slice(0, 6)}...${key.slice(-4)}`;
}
