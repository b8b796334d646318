import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../errors/index.js';
import { dataDirLayout, defaultDataDir } from './data-dir.js';
import { isProcessAlive } from './process-alive.js';
import { withoutUserInfo } from './shown-url.js';

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
  /**
   * The URL of the server whose data directory the CLI found, when the CLI points elsewhere and
   * so does not use its key. Error messages name it as the URL to use.
   */
  unusedLocalServerUrl?: string | undefined;
  /**
   * The state of the local server whose key the CLI uses, read from its data directory. It is
   * `running` while a live server has locked the directory and records the URL the CLI talks to,
   * as during a restart, and `stopped` while no server has locked it. It is `moved` once the
   * directory records another URL, because the old port may then belong to any program.
   */
  localServerState?: (() => 'running' | 'stopped' | 'moved') | undefined;
}

export interface ClientConfigInputs {
  env: NodeJS.ProcessEnv;
  configFile: ConfigFile | undefined;
  /** The key a local server left for the CLI of the same user, if readable. */
  localServerKey: string | undefined;
  /** The URL that local server listens at, if it recorded one. */
  localServerUrl?: string | undefined;
}

/**
 * Decides the API key and URL the CLI uses. `LYCEUM_API_KEY` and `LYCEUM_API_URL` win over the
 * config file. Without either, the CLI talks to the server whose data directory it finds
 * (`LYCEUM_DATA_DIR` or the default), at the URL that server recorded, with the key it left there;
 * that key is also used for an explicit URL that points at that same server.
 */
export function resolveClientConfig(inputs: ClientConfigInputs): ClientConfig {
  const { env, configFile, localServerKey, localServerUrl } = inputs;
  const [baseUrl, baseUrlSource]: [string, ConfigSource] = env.LYCEUM_API_URL
    ? [env.LYCEUM_API_URL, 'environment']
    : configFile?.base_url
      ? [configFile.base_url, 'config file']
      : localServerKey && localServerUrl
        ? [localServerUrl, 'local server']
        : [DEFAULT_BASE_URL, 'default'];
  // Users paste the API's whole base path at times; the client adds it to every request itself.
  const normalisedUrl = baseUrl.replace(/\/+$/, '').replace(/\/api\/v2\/external$/, '');
  if (!/^https?:\/\/[^/]/.test(normalisedUrl)) {
    const where =
      baseUrlSource === 'environment' ? 'LYCEUM_API_URL' : 'base_url in the config file';
    throw new InvalidInputError(
      `${where} ${JSON.stringify(withoutUserInfo(baseUrl))} is not an http:// or https:// URL; write it as http://127.0.0.1:8790.`,
    );
  }

  let apiKey: string | undefined;
  let apiKeySource: ConfigSource = 'none';
  if (env.LYCEUM_API_KEY) {
    [apiKey, apiKeySource] = [env.LYCEUM_API_KEY, 'environment'];
  } else if (configFile?.api_key) {
    [apiKey, apiKeySource] = [configFile.api_key, 'config file'];
  } else if (localServerKey && talksToLocalServer(normalisedUrl, baseUrlSource, localServerUrl)) {
    [apiKey, apiKeySource] = [localServerKey, 'local server'];
  }
  const unusedLocalServerUrl =
    apiKey === undefined && localServerKey !== undefined ? localServerUrl : undefined;
  return { baseUrl: normalisedUrl, apiKey, baseUrlSource, apiKeySource, unusedLocalServerUrl };
}

/** True when the CLI's URL is the local server's, so that server's key may be used. */
function talksToLocalServer(
  baseUrl: string,
  source: ConfigSource,
  localServerUrl: string | undefined,
): boolean {
  if (source === 'default' || source === 'local server') return true;
  return localServerUrl !== undefined && sameServer(baseUrl, localServerUrl);
}

function sameServer(left: string, right: string): boolean {
  try {
    const [a, b] = [new URL(left), new URL(right)];
    const loopback = (host: string) => ['127.0.0.1', 'localhost', '[::1]'].includes(host);
    const sameHost = a.hostname === b.hostname || (loopback(a.hostname) && loopback(b.hostname));
    return sameHost && a.port === b.port && a.protocol === b.protocol;
  } catch {
    return false;
  }
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
  return readSmallFile(dataDirLayout(defaultDataDir(env)).localKey);
}

/** Reads the URL the local server recorded on its last start, or undefined. */
export function readLocalServerUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return readSmallFile(dataDirLayout(defaultDataDir(env)).localUrl);
}

/** The largest key, URL or pid file the CLI reads from the data directory. */
const SMALL_FILE_MAX_BYTES = 4096;

function readSmallFile(path: string): string | undefined {
  try {
    // A FIFO or a device in its place would block or never end.
    const stats = statSync(path);
    if (!stats.isFile() || stats.size > SMALL_FILE_MAX_BYTES) return undefined;
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Time a command waits for a local server that is starting to write its URL and key. */
const STARTING_SERVER_WAIT_MS = 15_000;
/**
 * Time a command without a key waits for a server to lock its data directory: a server started
 * with `lyceum server &` locks it about 0.6 s after it starts (on 2 cores).
 */
const STARTING_SERVER_GRACE_MS = 3000;
const STARTING_SERVER_POLL_MS = 100;

/**
 * Waits while a local server has locked its data directory but not yet written its URL or key.
 * For a short grace time it also waits while no server has locked the directory, as right after
 * `lyceum server &`. Returns whether it waited.
 */
function waitForStartingLocalServer(env: NodeJS.ProcessEnv): boolean {
  const layout = dataDirLayout(defaultDataDir(env));
  const ready = () => existsSync(layout.localUrl) && existsSync(layout.localKey);
  if (ready()) return false;
  const deadline = Date.now() + STARTING_SERVER_WAIT_MS;
  const graceEnd = Date.now() + STARTING_SERVER_GRACE_MS;
  const starting = () => isLiveProcess(readSmallFile(layout.pidFile)) || Date.now() < graceEnd;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  let waited = false;
  while (!ready() && starting() && Date.now() < deadline) {
    Atomics.wait(sleeper, 0, 0, STARTING_SERVER_POLL_MS);
    waited = true;
  }
  return waited;
}

/** Tells whether a pid file's text names a live process. */
function isLiveProcess(pidText: string | undefined): boolean {
  return isProcessAlive(Number(pidText));
}

/**
 * Loads the CLI configuration from the environment, the config file and a local server. Without a
 * key, it first waits a little for a local server that may be starting, unless
 * `waitForLocalServer` is false.
 */
export function loadClientConfig(
  env: NodeJS.ProcessEnv = process.env,
  options: { waitForLocalServer?: boolean } = {},
): ClientConfig {
  const configFile = readConfigFile(configFilePath(env));
  const resolve = () =>
    resolveClientConfig({
      env,
      configFile,
      localServerKey: readLocalServerKey(env),
      localServerUrl: readLocalServerUrl(env),
    });
  const withLocalServer = (config: ClientConfig): ClientConfig => {
    if (config.apiKeySource !== 'local server') return config;
    const { pidFile, localUrl } = dataDirLayout(defaultDataDir(env));
    const recordsBaseUrl = () =>
      readSmallFile(localUrl)?.replace(/\/+$/, '') === config.baseUrl.replace(/\/+$/, '');
    return {
      ...config,
      localServerState: () => {
        if (!recordsBaseUrl()) return 'moved';
        return isLiveProcess(readSmallFile(pidFile)) ? 'running' : 'stopped';
      },
    };
  };
  const config = withLocalServer(resolve());
  // Only a command that has no key without the local server waits for it to start, and so does
  // one that found the local server's key before the server wrote its URL.
  const urlPending =
    config.apiKeySource === 'local server' && readLocalServerUrl(env) === undefined;
  if (options.waitForLocalServer === false || (config.apiKey !== undefined && !urlPending)) {
    return config;
  }
  return waitForStartingLocalServer(env) ? withLocalServer(resolve()) : config;
}
