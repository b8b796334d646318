import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_BASE_URL,
  configFilePath,
  loadClientConfig,
  readConfigFile,
  resolveClientConfig,
  writeConfigFile,
} from '../../../src/config/client-config.js';
import { InvalidInputError } from '../../../src/errors/index.js';

const envUrl = 'http://env.example:1000';
const fileUrl = 'http://file.example:2000';

describe('resolveClientConfig', () => {
  it('defaults to the local server URL', () => {
    const config = resolveClientConfig({
      env: {},
      configFile: undefined,
      localServerKey: undefined,
    });
    expect(config).toEqual({
      baseUrl: 'http://127.0.0.1:8790',
      apiKey: undefined,
      baseUrlSource: 'default',
      apiKeySource: 'none',
    });
  });

  it('names the local server whose key goes unused', () => {
    const config = resolveClientConfig({
      env: { LYCEUM_API_URL: 'http://127.0.0.1:8791' },
      configFile: undefined,
      localServerKey: 'lk_local',
      localServerUrl: 'http://127.0.0.1:8790',
    });
    expect(config.apiKey).toBeUndefined();
    expect(config.unusedLocalServerUrl).toBe('http://127.0.0.1:8790');
  });

  it('exports the default URL', () => {
    expect(DEFAULT_BASE_URL).toBe('http://127.0.0.1:8790');
  });

  describe('environment over config file', () => {
    const config = resolveClientConfig({
      env: { LYCEUM_API_URL: envUrl, LYCEUM_API_KEY: 'lk_env' },
      configFile: { base_url: fileUrl, api_key: 'lk_file' },
      localServerKey: 'lk_local',
    });

    it('takes URL from environment', () => {
      expect(config.baseUrl).toBe(envUrl);
    });

    it('reports URL source as environment', () => {
      expect(config.baseUrlSource).toBe('environment');
    });

    it('takes key from environment', () => {
      expect(config.apiKey).toBe('lk_env');
    });

    it('reports key source as environment', () => {
      expect(config.apiKeySource).toBe('environment');
    });
  });

  describe('config file over local server', () => {
    const config = resolveClientConfig({
      env: {},
      configFile: { base_url: fileUrl, api_key: 'lk_file' },
      localServerKey: 'lk_local',
    });

    it('takes URL from config file', () => {
      expect(config.baseUrl).toBe(fileUrl);
    });

    it('reports URL source as config file', () => {
      expect(config.baseUrlSource).toBe('config file');
    });

    it('takes key from config file', () => {
      expect(config.apiKey).toBe('lk_file');
    });

    it('reports key source as config file', () => {
      expect(config.apiKeySource).toBe('config file');
    });
  });

  it('prefers config file key over local server key', () => {
    const config = resolveClientConfig({
      env: {},
      configFile: { api_key: 'lk_file' },
      localServerKey: 'lk_local',
    });
    expect(config.apiKey).toBe('lk_file');
  });

  describe('local server key with default URL', () => {
    const config = resolveClientConfig({ env: {}, configFile: {}, localServerKey: 'lk_local' });

    it('uses local server key', () => {
      expect(config.apiKey).toBe('lk_local');
    });

    it('reports key source as local server', () => {
      expect(config.apiKeySource).toBe('local server');
    });

    it('keeps default URL', () => {
      expect(config.baseUrl).toBe(DEFAULT_BASE_URL);
    });
  });

  describe.each([
    ['environment', { LYCEUM_API_URL: envUrl }, undefined],
    ['config file', {}, { base_url: fileUrl }],
  ])('local server key with URL from %s', (_source, env, configFile) => {
    const config = resolveClientConfig({ env, configFile, localServerKey: 'lk_local' });

    it('is not used', () => {
      expect(config.apiKey).toBeUndefined();
    });

    it('leaves key source none', () => {
      expect(config.apiKeySource).toBe('none');
    });
  });

  it('mixes environment key with config file URL', () => {
    const config = resolveClientConfig({
      env: { LYCEUM_API_KEY: 'lk_env' },
      configFile: { base_url: fileUrl },
      localServerKey: undefined,
    });
    expect(config).toEqual({
      baseUrl: fileUrl,
      apiKey: 'lk_env',
      baseUrlSource: 'config file',
      apiKeySource: 'environment',
    });
  });

  it('ignores empty environment variables', () => {
    const config = resolveClientConfig({
      env: { LYCEUM_API_URL: '', LYCEUM_API_KEY: '' },
      configFile: { base_url: fileUrl, api_key: 'lk_file' },
      localServerKey: undefined,
    });
    expect(config).toEqual({
      baseUrl: fileUrl,
      apiKey: 'lk_file',
      baseUrlSource: 'config file',
      apiKeySource: 'config file',
    });
  });

  it.each([
    ['environment', { LYCEUM_API_URL: 'http://env.example:1000/' }, undefined],
    ['environment', { LYCEUM_API_URL: 'http://env.example:1000///' }, undefined],
    ['config file', {}, { base_url: 'http://env.example:1000/' }],
  ])('strips trailing slashes from %s URL', (_source, env, configFile) => {
    const config = resolveClientConfig({ env, configFile, localServerKey: undefined });
    expect(config.baseUrl).toBe('http://env.example:1000');
  });

  it('keeps a path in the URL', () => {
    const config = resolveClientConfig({
      env: { LYCEUM_API_URL: 'https://example.com/lyceum/' },
      configFile: undefined,
      localServerKey: undefined,
    });
    expect(config.baseUrl).toBe('https://example.com/lyceum');
  });
});

describe('configFilePath', () => {
  it('uses ~/.lyceum/config.json', () => {
    expect(configFilePath({}, '/home/ada')).toBe('/home/ada/.lyceum/config.json');
  });

  it('honours LYCEUM_CONFIG', () => {
    expect(configFilePath({ LYCEUM_CONFIG: '/tmp/other.json' }, '/home/ada')).toBe(
      '/tmp/other.json',
    );
  });
});

describe('config file on disk', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lyceum-client-config-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('reads missing file as undefined', () => {
    expect(readConfigFile(join(folder, 'absent.json'))).toBeUndefined();
  });

  it('reads valid JSON', async () => {
    const path = join(folder, 'config.json');
    await writeFile(path, '{"api_key":"lk_abc","base_url":"http://h:1"}');
    expect(readConfigFile(path)).toEqual({ api_key: 'lk_abc', base_url: 'http://h:1' });
  });

  describe('invalid JSON', () => {
    let path: string;

    beforeEach(async () => {
      path = join(folder, 'config.json');
      await writeFile(path, '{"api_key": ');
    });

    it('throws InvalidInputError', () => {
      expect(() => readConfigFile(path)).toThrow(InvalidInputError);
    });

    it('names the path', () => {
      expect(() => readConfigFile(path)).toThrow(`Config file ${path} is not valid JSON`);
    });

    it('suggests auth login', () => {
      expect(() => readConfigFile(path)).toThrow(/lyceum auth login/);
    });

    it('keeps the parse error as cause', () => {
      expect(() => readConfigFile(path)).toThrow(
        expect.objectContaining({ cause: expect.any(SyntaxError) }),
      );
    });
  });

  it('writes what it reads back', async () => {
    const path = join(folder, 'nested', 'config.json');
    await writeConfigFile(path, { api_key: 'lk_abc', base_url: 'http://h:1' });
    expect(readConfigFile(path)).toEqual({ api_key: 'lk_abc', base_url: 'http://h:1' });
  });

  it('writes file readable by owner only', async () => {
    const path = join(folder, 'config.json');
    await writeConfigFile(path, { api_key: 'lk_abc' });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('writes pretty JSON with final newline', async () => {
    const path = join(folder, 'config.json');
    await writeConfigFile(path, { api_key: 'lk_abc' });
    expect(await readFile(path, 'utf8')).toBe('{\n  "api_key": "lk_abc"\n}\n');
  });
});

describe('resolveClientConfig with a recorded local server URL', () => {
  const local = { localServerKey: 'lk_local', localServerUrl: 'http://127.0.0.1:18900' };

  it('uses the recorded URL without configuration', () => {
    const config = resolveClientConfig({ env: {}, configFile: undefined, ...local });
    expect(config.baseUrl).toBe('http://127.0.0.1:18900');
    expect(config.baseUrlSource).toBe('local server');
    expect(config.apiKey).toBe('lk_local');
  });

  it('uses the local key for the same server', () => {
    const env = { LYCEUM_API_URL: 'http://localhost:18900/' };
    const config = resolveClientConfig({ env, configFile: undefined, ...local });
    expect(config.apiKey).toBe('lk_local');
    expect(config.apiKeySource).toBe('local server');
  });

  it('keeps the local key from another server', () => {
    const env = { LYCEUM_API_URL: 'http://127.0.0.1:9999' };
    const config = resolveClientConfig({ env, configFile: undefined, ...local });
    expect(config.apiKey).toBeUndefined();
  });
});

describe('loadClientConfig', () => {
  it('resends to the local server only while it records the same URL', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lyceum-local-'));
    await writeFile(join(dataDir, 'local-cli-key'), 'lk_local\n');
    await writeFile(join(dataDir, 'local-cli-url'), 'http://127.0.0.1:18000\n');
    await writeFile(join(dataDir, 'server.pid'), `${process.pid}\n`);
    const env = { LYCEUM_DATA_DIR: dataDir, LYCEUM_CONFIG: join(dataDir, 'none.json') };
    try {
      const config = loadClientConfig(env);
      expect(config.apiKeySource).toBe('local server');
      expect(config.localServerState?.()).toBe('running');

      await rm(join(dataDir, 'server.pid'));
      expect(config.localServerState?.()).toBe('stopped');

      await writeFile(join(dataDir, 'local-cli-url'), 'http://127.0.0.1:18001\n');
      expect(config.localServerState?.()).toBe('moved');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
