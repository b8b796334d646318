import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import { dataDirLayout, defaultDataDir } from './data-dir.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8790';

/** The CLI's configuration file, with the same keys as Lyceum's own CLI. */
export interface ConfigFile {
  api_key?: string;
  base_url?: string;
}

export type ConfigSource = 'environment' | 'config file' | 'local server' | 'default' | 'none';

export interface ClientConfig {
  baseUrl: string;
  apiKey: string | undefined;
  baseUrlSource: ConfigSource;
  apiKeySource: ConfigSource;
}

export interface ClientConfigInputs {
  env: NodeJS.ProcessEnv;
  configFile: ConfigFile | undefined;
  /** The key a local server left for the CLI of the same user, if readable. */
  localServerKey: string | undefined;
}

/**
 * Decides the API key and URL the CLI uses. `LYCEUM_API_KEY` and `LYCEUM_API_URL` win over the
 * config file; without either, the CLI talks to a server on this machine and uses the key that
 * server left in its data directory.
 */
export function resolveClientConfig(inputs: ClientConfigInputs): ClientConfig {
  const { env, configFile, localServerKey } = inputs;
  const [baseUrl, baseUrlSource]: [string, ConfigSource] = env.LYCEUM_API_URL
    ? [env.LYCEUM_API_URL, 'environment']
    : configFile?.base_url
      ? [configFile.base_url, 'config file']
      : [DEFAULT_BASE_URL, 'default'];

  let apiKey: string | undefined;
  let apiKeySource: ConfigSource = 'none';
  if (env.LYCEUM_API_KEY) {
    [apiKey, apiKeySource] = [env.LYCEUM_API_KEY, 'environment'];
  } else if (configFile?.api_key) {
    [apiKey, apiKeySource] = [configFile.api_key, 'config file'];
  } else if (localServerKey && baseUrlSource === 'default') {
    [apiKey, apiKeySource] = [localServerKey, 'local server'];
  }
  return { baseUrl: baseUrl.replace(/\/+$/, ''), apiKey, baseUrlSource, apiKeySource };
}

export function configFilePath(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.LYCEUM_CONFIG ?? join(home, '.lyceum', 'config.json');
}

export function readConfigFile(path: string): ConfigFile | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigFile;
  } catch (error) {
    throw new InvalidInputError(
      `Config file ${path} is not valid JSON; fix it or run "lyceum auth login" to rewrite it.`,
      { cause: error },
    );
  }
}

export async function writeConfigFile(path: string, config: ConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
}

/** Reads the local server's key for this user, or undefined when there is none or it is unreadable. */
export function readLocalServerKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    return readFileSync(dataDirLayout(defaultDataDir(env)).localKey, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Loads the CLI configuration from the environment, the config file and a local server. */
export function loadClientConfig(env: NodeJS.ProcessEnv = process.env): ClientConfig {
  return resolveClientConfig({
    env,
    configFile: readConfigFile(configFilePath(env)),
    localServerKey: readLocalServerKey(env),
  });
}
