import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  parseEnv,
  resolveTimeout,
  toDockerRunSpec,
  validateImageReference,
} from '../../../src/api/docker-start-request.js';
import { resolveServerConfig } from '../../../src/config/server-config.js';
import { InvalidInputError, UnprocessableInputError } from '../../../src/errors/index.js';

const config = resolveServerConfig({}, {});

describe('toDockerRunSpec', () => {
  it('fills defaults for image only', () => {
    expect(toDockerRunSpec({ docker_image_ref: 'python:3.12' }, config)).toEqual({
      kind: 'docker',
      image: 'python:3.12',
      command: undefined,
      env: {},
      enableS3Mount: undefined,
      s3MountPath: undefined,
      timeoutSeconds: 3600,
      pullPolicy: 'missing',
      executionType: 'cpu',
      callbackUrls: [],
    });
  });

  it('treats null fields as unset', () => {
    const spec = toDockerRunSpec(
      {
        docker_image_ref: 'alpine',
        docker_run_cmd: null,
        docker_run_env: null,
        timeout: null,
        execution_type: null,
        enable_s3_mount: null,
        s3_mount_path: null,
        user_callback_urls: null,
        pull_policy: null,
      },
      config,
    );
    expect(spec).toEqual(toDockerRunSpec({ docker_image_ref: 'alpine' }, config));
  });

  it('maps every field', () => {
    const spec = toDockerRunSpec(
      {
        docker_image_ref: ' alpine:3 ',
        docker_run_cmd: ['sh', '-c', 'ls /mnt/s3'],
        docker_run_env: 'A=1\nB=2',
        timeout: 60,
        execution_type: 'gpu',
        file_name: 'job.sh',
        enable_s3_mount: true,
        s3_mount_path: '/data',
        user_callback_urls: ['https://hooks.example/done'],
        pull_policy: 'always',
      },
      config,
    );
    expect(spec).toEqual({
      kind: 'docker',
      image: 'alpine:3',
      command: ['sh', '-c', 'ls /mnt/s3'],
      env: { A: '1', B: '2' },
      enableS3Mount: true,
      s3MountPath: '/data',
      timeoutSeconds: 60,
      pullPolicy: 'always',
      executionType: 'gpu',
      callbackUrls: ['https://hooks.example/done'],
    });
  });

  it('uses server default pull policy', () => {
    const neverConfig = resolveServerConfig({}, { LYCEUM_DEFAULT_PULL_POLICY: 'never' });
    expect(toDockerRunSpec({ docker_image_ref: 'alpine' }, neverConfig).pullPolicy).toBe('never');
  });

  it('accepts docker_run_env as object', () => {
    const spec = toDockerRunSpec(
      { docker_image_ref: 'alpine', docker_run_env: { A: '1' } },
      config,
    );
    expect(spec.env).toEqual({ A: '1' });
  });

  describe.each([
    ['missing', {}],
    ['empty', { docker_image_ref: '' }],
    ['blank', { docker_image_ref: '   ' }],
    ['not a string', { docker_image_ref: 42 }],
  ])('%s image', (_case, body) => {
    it('throws ZodError', () => {
      expect(() => toDockerRunSpec(body, config)).toThrow(ZodError);
    });

    it('names docker_image_ref', () => {
      expect(() => toDockerRunSpec(body, config)).toThrow(/docker_image_ref/);
    });
  });

  it.each([
    ['docker_run_cmd as string', { docker_run_cmd: 'ls' }],
    ['timeout as string', { timeout: '60' }],
    ['enable_s3_mount as string', { enable_s3_mount: 'false' }],
    ['unknown pull_policy', { pull_policy: 'sometimes' }],
    ['callback that is no URL', { user_callback_urls: ['not a url'] }],
    ['callback with a password', { user_callback_urls: ['http://alice:secret@127.0.0.1/cb'] }],
    ['callback with a user name', { user_callback_urls: ['https://alice@hooks.example/cb'] }],
    ['11 callbacks', { user_callback_urls: Array(11).fill('http://127.0.0.1:9/cb') }],
    ['a command over 1 MiB', { docker_run_cmd: Array(3).fill('a'.repeat(400_000)) }],
    ['variables over 1 MiB', { docker_run_env: { A: 'a'.repeat(1_100_000) } }],
    ['variable lines over 1 MiB', { docker_run_env: `A=${'a'.repeat(1_100_000)}` }],
    ['a long file_name', { file_name: 'f'.repeat(256) }],
    ['a long execution_type', { execution_type: 'g'.repeat(65) }],
  ])('rejects %s', (_case, fields) => {
    expect(() => toDockerRunSpec({ docker_image_ref: 'alpine', ...fields }, config)).toThrow(
      ZodError,
    );
  });

  describe('bad mount path', () => {
    const body = { docker_image_ref: 'alpine', s3_mount_path: '/proc/x' };

    it('throws InvalidInputError', () => {
      expect(() => toDockerRunSpec(body, config)).toThrow(InvalidInputError);
    });

    it('names the path and rule', () => {
      expect(() => toDockerRunSpec(body, config)).toThrow(
        '"/proc/x" is inside the system folder /proc',
      );
    });
  });

  it('rejects mount path with mount disabled', () => {
    const body = { docker_image_ref: 'alpine', enable_s3_mount: false, s3_mount_path: '/data' };
    expect(() => toDockerRunSpec(body, config)).toThrow(/mount is turned off/);
  });

  it('rejects bad docker_run_env', () => {
    const body = { docker_image_ref: 'alpine', docker_run_env: 'NOEQUALS' };
    expect(() => toDockerRunSpec(body, config)).toThrow(UnprocessableInputError);
  });

  describe.each([0, 86_401, -5, 0.5])('timeout %j', (timeout) => {
    const body = { docker_image_ref: 'alpine', timeout };

    it('throws UnprocessableInputError', () => {
      expect(() => toDockerRunSpec(body, config)).toThrow(UnprocessableInputError);
    });

    it('names the value and range', () => {
      expect(() => toDockerRunSpec(body, config)).toThrow(
        `timeout ${timeout} is out of range; give 1 to 86400 seconds.`,
      );
    });
  });

  it.each([1, 86_400])('accepts timeout %j', (timeout) => {
    expect(toDockerRunSpec({ docker_image_ref: 'alpine', timeout }, config).timeoutSeconds).toBe(
      timeout,
    );
  });
});

describe('resolveTimeout', () => {
  it('applies server default', () => {
    expect(resolveTimeout(undefined, config)).toBe(3600);
  });

  it('names server maximum in range', () => {
    const smallConfig = resolveServerConfig(
      {},
      { LYCEUM_DEFAULT_TIMEOUT: '60', LYCEUM_MAX_TIMEOUT: '600' },
    );
    expect(() => resolveTimeout(601, smallConfig)).toThrow('give 1 to 600 seconds');
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('rejects %j', (timeout) => {
    expect(() => resolveTimeout(timeout, config)).toThrow(UnprocessableInputError);
  });
});

describe('parseEnv', () => {
  it('returns empty object for undefined', () => {
    expect(parseEnv(undefined)).toEqual({});
  });

  it('returns empty object for empty string', () => {
    expect(parseEnv('')).toEqual({});
  });

  it.each([
    ['KEY=value lines', 'A=1\nB=two', { A: '1', B: 'two' }],
    ['blank lines', '\nA=1\n\n   \nB=2\n', { A: '1', B: '2' }],
    ['"=" in a value', 'URL=postgres://u:p@h/db?a=b', { URL: 'postgres://u:p@h/db?a=b' }],
    ['an empty value', 'EMPTY=', { EMPTY: '' }],
    ['CRLF line ends', 'A=1\r\nB=2\r\n', { A: '1', B: '2' }],
    ['spaces in a value', 'GREETING=hello world ', { GREETING: 'hello world ' }],
    ['lowercase and underscore names', '_lower_1=x', { _lower_1: 'x' }],
    ['a repeated name', 'A=1\nA=2', { A: '2' }],
  ])('reads %s', (_case, raw, expected) => {
    expect(parseEnv(raw)).toEqual(expected);
  });

  it('reads object form', () => {
    expect(parseEnv({ A: '1', B: 'x=y' })).toEqual({ A: '1', B: 'x=y' });
  });

  describe.each(['JUSTNAME', '=value', 'A=1\nNOEQUALS'])('line without name in %j', (raw) => {
    it('throws UnprocessableInputError', () => {
      expect(() => parseEnv(raw)).toThrow(UnprocessableInputError);
    });

    it('names the rule', () => {
      expect(() => parseEnv(raw)).toThrow(/is not KEY=value/);
    });
  });

  it('names the bad line by number', () => {
    expect(() => parseEnv('A=1\n\nNOEQUALS')).toThrow('docker_run_env line 3 is not');
  });

  it('does not quote the bad line', () => {
    const error = (() => {
      try {
        parseEnv('A=1\nSECRETVALUE');
      } catch (thrown) {
        return thrown as Error;
      }
      throw new Error('parseEnv accepted a line without "="');
    })();
    expect(error.message).not.toContain('SECRETVALUE');
  });

  it.each([['A=x\u0000y'], [{ A: 'x\u0000y' }]])('rejects a NUL in %j', (raw) => {
    expect(() => parseEnv(raw)).toThrow('Environment variable A has a NUL character');
  });

  describe.each([
    ['1A=x', '1A'],
    ['A-B=x', 'A-B'],
    ['A B=x', 'A B'],
    [' A=x', ' A'],
    ['A.B=x', 'A.B'],
    ['É=x', 'É'],
  ])('invalid name in %j', (raw, name) => {
    it('throws UnprocessableInputError', () => {
      expect(() => parseEnv(raw)).toThrow(UnprocessableInputError);
    });

    it('names the variable', () => {
      expect(() => parseEnv(raw)).toThrow(`Environment variable name ${JSON.stringify(name)}`);
    });
  });

  it.each<Record<string, string>>([{ '1A': 'x' }, { '': 'x' }, { 'A-B': 'x' }])(
    'rejects object %j',
    (raw) => {
      expect(() => parseEnv(raw)).toThrow(UnprocessableInputError);
    },
  );
});

describe('validateImageReference', () => {
  it.each([
    'busybox',
    'lyceum-test/busybox:1',
    'python:3.12-slim',
    'registry.example.com/team/trainer:v2',
    'localhost:5000/model',
    'Registry.Example.com/team/model',
    'host:5000/team/model',
    `busybox@sha256:${'a'.repeat(64)}`,
    `sha256:${'f'.repeat(64)}`,
  ])('accepts %s', (image) => {
    expect(validateImageReference(image, 'docker_image_ref')).toBe(image);
  });

  it.each(['UPPER/case', 'Busybox', 'team/Model:1', 'bad image', 'trailing/', ':tag'])(
    'rejects %s',
    (image) => {
      expect(() => validateImageReference(image, 'docker_image_ref')).toThrow(
        `docker_image_ref ${JSON.stringify(image)} is not a valid image reference`,
      );
    },
  );
});
