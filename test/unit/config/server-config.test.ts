import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveServerConfig } from '../../../src/config/server-config.js';
import { InvalidInputError } from '../../../src/errors/index.js';

describe('resolveServerConfig defaults', () => {
  const config = resolveServerConfig({}, {});

  it.each([
    ['host', '127.0.0.1'],
    ['port', 8790],
    ['s3Port', 8791],
    ['defaultTimeoutSeconds', 3600],
    ['maxTimeoutSeconds', 86_400],
    ['defaultPullPolicy', 'missing'],
    ['stopGraceSeconds', 10],
    ['maxUploadBytes', 5 * 1024 ** 4],
  ] as const)('sets %s to %j', (field, expected) => {
    expect(config[field]).toBe(expected);
  });

  it('puts data under ~/.lyceum/server', () => {
    expect(config.dataDir).toBe(join(homedir(), '.lyceum', 'server'));
  });

  it('leaves publicUrl to the listening server', () => {
    expect(config.publicUrl).toBeUndefined();
  });
});

describe('resolveServerConfig from environment', () => {
  const config = resolveServerConfig(
    {},
    {
      LYCEUM_HOST: '0.0.0.0',
      LYCEUM_PORT: '9000',
      LYCEUM_S3_PORT: '9001',
      LYCEUM_DATA_DIR: '/srv/lyceum',
      LYCEUM_PUBLIC_URL: 'https://lyceum.example',
      LYCEUM_DEFAULT_TIMEOUT: '60',
      LYCEUM_MAX_TIMEOUT: '600',
      LYCEUM_DEFAULT_PULL_POLICY: 'always',
      LYCEUM_STOP_GRACE: '3',
      LYCEUM_MAX_UPLOAD_BYTES: '1048576',
    },
  );

  it.each([
    ['host', '0.0.0.0'],
    ['port', 9000],
    ['s3Port', 9001],
    ['dataDir', '/srv/lyceum'],
    ['publicUrl', 'https://lyceum.example'],
    ['defaultTimeoutSeconds', 60],
    ['maxTimeoutSeconds', 600],
    ['defaultPullPolicy', 'always'],
    ['stopGraceSeconds', 3],
    ['maxUploadBytes', 1_048_576],
  ] as const)('reads %s', (field, expected) => {
    expect(config[field]).toBe(expected);
  });
});

describe('resolveServerConfig flags', () => {
  const env = {
    LYCEUM_HOST: '10.0.0.1',
    LYCEUM_PORT: '9000',
    LYCEUM_S3_PORT: '9001',
    LYCEUM_DATA_DIR: '/srv/from-env',
    LYCEUM_PUBLIC_URL: 'https://env.example',
  };
  const config = resolveServerConfig(
    {
      host: '10.0.0.2',
      port: '7000',
      s3Port: 7001,
      dataDir: '/srv/from-flag',
      publicUrl: 'https://flag.example',
    },
    env,
  );

  it.each([
    ['host', '10.0.0.2'],
    ['port', 7000],
    ['s3Port', 7001],
    ['dataDir', '/srv/from-flag'],
    ['publicUrl', 'https://flag.example'],
  ] as const)('beat environment for %s', (field, expected) => {
    expect(config[field]).toBe(expected);
  });
});

describe('resolveServerConfig publicUrl', () => {
  it('is undefined for 0.0.0.0 host', () => {
    expect(resolveServerConfig({ host: '0.0.0.0' }, {}).publicUrl).toBeUndefined();
  });

  it('is undefined for :: host', () => {
    expect(resolveServerConfig({ host: '::' }, {}).publicUrl).toBeUndefined();
  });

  it.each(['https://lyceum.example/', 'https://lyceum.example///'])(
    'drops trailing slashes from %j',
    (publicUrl) => {
      expect(resolveServerConfig({ publicUrl }, {}).publicUrl).toBe('https://lyceum.example');
    },
  );
});

describe('resolveServerConfig ports', () => {
  it('accepts port 0 for any free port', () => {
    expect(resolveServerConfig({ port: 0 }, {}).port).toBe(0);
  });

  it('accepts port 65535', () => {
    expect(resolveServerConfig({ port: '65535' }, {}).port).toBe(65_535);
  });

  describe.each(['65536', '-1', 'http', '80.5', 70_000])('port %j', (port) => {
    it('throws InvalidInputError', () => {
      expect(() => resolveServerConfig({ port }, {})).toThrow(InvalidInputError);
    });

    it('names the flag and value', () => {
      expect(() => resolveServerConfig({ port }, {})).toThrow(
        `--port ${JSON.stringify(port)} is not a port`,
      );
    });
  });

  it('names --s3-port for a bad S3 port', () => {
    expect(() => resolveServerConfig({ s3Port: 'x' }, {})).toThrow('--s3-port "x" is not a port');
  });

  // The timeouts treat an empty variable as unset, so the ports should too.
  it.each([
    ['LYCEUM_PORT', 'port', 8790],
    ['LYCEUM_S3_PORT', 's3Port', 8791],
  ] as const)('treats empty %s as unset', (name, field, expected) => {
    expect(resolveServerConfig({}, { [name]: '' })[field]).toBe(expected);
  });

  it('rejects bad LYCEUM_PORT', () => {
    expect(() => resolveServerConfig({}, { LYCEUM_PORT: 'eighty' })).toThrow(InvalidInputError);
  });
});

describe('resolveServerConfig pull policy', () => {
  it.each(['never', 'missing', 'always'])('accepts %j', (policy) => {
    expect(resolveServerConfig({}, { LYCEUM_DEFAULT_PULL_POLICY: policy }).defaultPullPolicy).toBe(
      policy,
    );
  });

  describe.each(['sometimes', 'ALWAYS', ''])('policy %j', (policy) => {
    const env = { LYCEUM_DEFAULT_PULL_POLICY: policy };

    it('throws InvalidInputError', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(InvalidInputError);
    });

    it('names the variable and value', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(
        `LYCEUM_DEFAULT_PULL_POLICY ${JSON.stringify(policy)} is invalid`,
      );
    });

    it('lists the valid policies', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(/never, missing or always/);
    });
  });
});

describe('resolveServerConfig timeouts', () => {
  it('accepts default equal to maximum', () => {
    const config = resolveServerConfig(
      {},
      { LYCEUM_DEFAULT_TIMEOUT: '600', LYCEUM_MAX_TIMEOUT: '600' },
    );
    expect(config.defaultTimeoutSeconds).toBe(600);
  });

  it('treats empty variable as unset', () => {
    expect(resolveServerConfig({}, { LYCEUM_MAX_TIMEOUT: '' }).maxTimeoutSeconds).toBe(86_400);
  });

  describe('default above maximum', () => {
    const env = { LYCEUM_DEFAULT_TIMEOUT: '7200', LYCEUM_MAX_TIMEOUT: '3600' };

    it('throws InvalidInputError', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(InvalidInputError);
    });

    it('names both values', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(
        'The default timeout (7200 s) is above the maximum (3600 s)',
      );
    });

    it('names both variables', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(
        /lower LYCEUM_DEFAULT_TIMEOUT or raise LYCEUM_MAX_TIMEOUT/,
      );
    });
  });

  it('lowers the default with the maximum', () => {
    const config = resolveServerConfig({}, { LYCEUM_MAX_TIMEOUT: '600' });
    expect(config.defaultTimeoutSeconds).toBe(600);
  });

  describe.each([
    ['-1', 'must be at least 1 second'],
    ['0', 'must be at least 1 second'],
    ['soon', 'is not a number of seconds; give a plain number, such as 600.'],
    ['10m', 'is not a number of seconds; give a plain number, such as 600.'],
    ['Infinity', 'is not a number of seconds; give a plain number, such as 600.'],
  ])('LYCEUM_DEFAULT_TIMEOUT %j', (value, reason) => {
    const env = { LYCEUM_DEFAULT_TIMEOUT: value };

    it('throws InvalidInputError', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(InvalidInputError);
    });

    it('names the variable, value and reason', () => {
      expect(() => resolveServerConfig({}, env)).toThrow(
        `LYCEUM_DEFAULT_TIMEOUT ${JSON.stringify(value)} ${reason}`,
      );
    });
  });

  it.each(['0', '-1', '2.5', 'many'])('rejects LYCEUM_MAX_STREAMS_PER_ACCOUNT %j', (value) => {
    expect(() => resolveServerConfig({}, { LYCEUM_MAX_STREAMS_PER_ACCOUNT: value })).toThrow(
      `LYCEUM_MAX_STREAMS_PER_ACCOUNT ${JSON.stringify(value)} must be a whole number, at least 1.`,
    );
  });

  it('reads LYCEUM_LOG_LEVEL', () => {
    expect(resolveServerConfig({}, {}).logLevel).toBe('info');
    expect(resolveServerConfig({}, { LYCEUM_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('rejects an unknown LYCEUM_LOG_LEVEL', () => {
    expect(() => resolveServerConfig({}, { LYCEUM_LOG_LEVEL: 'verbose' })).toThrow(
      'LYCEUM_LOG_LEVEL "verbose" is invalid; use fatal, error, warn, info, debug, trace or silent.',
    );
  });
});

describe('resolveServerConfig for Compose', () => {
  it('uses auto detection and allows nothing by default', () => {
    const config = resolveServerConfig({}, {});
    expect(config.composeVersion).toBe('auto');
    expect(config.composeAllowances).toEqual([]);
  });

  it('reads LYCEUM_COMPOSE_VERSION and LYCEUM_COMPOSE_ALLOW', () => {
    const config = resolveServerConfig(
      {},
      { LYCEUM_COMPOSE_VERSION: 'v1', LYCEUM_COMPOSE_ALLOW: 'privileged,bind_mounts' },
    );
    expect(config.composeVersion).toBe('v1');
    expect(config.composeAllowances).toEqual(['privileged', 'bind_mounts']);
  });

  it('rejects an unknown Compose version', () => {
    const resolve = () => resolveServerConfig({}, { LYCEUM_COMPOSE_VERSION: '3' });
    expect(resolve).toThrow(InvalidInputError);
    expect(resolve).toThrow('LYCEUM_COMPOSE_VERSION "3" is invalid; use auto, v2 or v1.');
  });

  it('leaves the run network to the server unless LYCEUM_RUN_NETWORK names one', () => {
    expect(resolveServerConfig({}, {}).runNetwork).toBeUndefined();
    expect(resolveServerConfig({}, { LYCEUM_RUN_NETWORK: '' }).runNetwork).toBeUndefined();
    expect(resolveServerConfig({}, { LYCEUM_RUN_NETWORK: 'gpu_jobs.1' }).runNetwork).toBe(
      'gpu_jobs.1',
    );
  });

  it.each(['host', 'none', 'default', 'container:db', '-net', 'two words'])(
    'rejects LYCEUM_RUN_NETWORK %j',
    (value) => {
      const resolve = () => resolveServerConfig({}, { LYCEUM_RUN_NETWORK: value });
      expect(resolve).toThrow(InvalidInputError);
      expect(resolve).toThrow(
        `LYCEUM_RUN_NETWORK ${JSON.stringify(value)} is not a network runs can join; name a bridge network`,
      );
    },
  );

  it('passes only the docker CLI variables to Compose', () => {
    const config = resolveServerConfig(
      {},
      {
        PATH: '/bin',
        HOME: '/home/op',
        DOCKER_HOST: 'unix:///x.sock',
        LYCEUM_API_KEY: 'secret',
        AWS_SECRET_ACCESS_KEY: 'secret',
      },
    );
    expect(config.composeEnvironment).toEqual({
      PATH: '/bin',
      HOME: '/home/op',
      DOCKER_HOST: 'unix:///x.sock',
    });
  });

  it('gives Compose a default PATH', () => {
    expect(resolveServerConfig({}, {}).composeEnvironment.PATH).toMatch(/\/usr\/bin/);
  });
});
