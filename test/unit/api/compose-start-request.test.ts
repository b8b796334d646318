import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { toComposeRunSpec } from '../../../src/api/compose-start-request.js';
import { resolveServerConfig } from '../../../src/config/server-config.js';
import { InvalidInputError, UnprocessableInputError } from '../../../src/errors/index.js';

const config = resolveServerConfig({}, {});
const TWO_SERVICES = 'services:\n  web:\n    image: a\n  job:\n    image: b\n';

describe('toComposeRunSpec', () => {
  it('fills defaults for the file only', () => {
    expect(toComposeRunSpec({ compose_file_code: TWO_SERVICES }, config)).toEqual({
      kind: 'compose',
      composeFile: TWO_SERVICES,
      mainService: undefined,
      enableS3Mount: undefined,
      s3MountPath: undefined,
      timeoutSeconds: 3600,
      pullPolicy: 'missing',
      executionType: 'cpu',
      callbackUrls: [],
    });
  });

  it('reads every field', () => {
    const spec = toComposeRunSpec(
      {
        compose_file_code: TWO_SERVICES,
        enable_s3_mount: true,
        s3_mount_path: '/data',
        timeout: 60,
        execution_type: 'gpu',
        file_name: 'stack.yml',
        user_callback_urls: ['https://example.com/done'],
        pull_policy: 'never',
        main_service: 'job',
      },
      config,
    );
    expect(spec).toEqual({
      kind: 'compose',
      composeFile: TWO_SERVICES,
      mainService: 'job',
      enableS3Mount: true,
      s3MountPath: '/data',
      timeoutSeconds: 60,
      pullPolicy: 'never',
      executionType: 'gpu',
      callbackUrls: ['https://example.com/done'],
    });
  });

  it('treats null fields as unset', () => {
    const spec = toComposeRunSpec(
      { compose_file_code: TWO_SERVICES, enable_s3_mount: null, main_service: null },
      config,
    );
    expect(spec.enableS3Mount).toBeUndefined();
    expect(spec.mainService).toBeUndefined();
  });

  it.each([{}, { compose_file_code: '' }, { compose_file_code: ' \n' }, { compose_file_code: 1 }])(
    'rejects body %j',
    (body) => {
      expect(() => toComposeRunSpec(body, config)).toThrow(ZodError);
    },
  );

  it.each(['file:///etc/passwd', 'http://alice:secret@127.0.0.1/cb'])(
    'rejects the callback %j',
    (url) => {
      const body = { compose_file_code: TWO_SERVICES, user_callback_urls: [url] };
      expect(() => toComposeRunSpec(body, config)).toThrow(ZodError);
    },
  );

  it('rejects a mount path without the opt-in', () => {
    const body = { compose_file_code: TWO_SERVICES, s3_mount_path: '/data' };
    expect(() => toComposeRunSpec(body, config)).toThrow(InvalidInputError);
    expect(() => toComposeRunSpec(body, config)).toThrow(/enable_s3_mount is true/);
  });

  it('rejects an invalid mount path', () => {
    const body = { compose_file_code: TWO_SERVICES, enable_s3_mount: true, s3_mount_path: '/etc' };
    expect(() => toComposeRunSpec(body, config)).toThrow(/system folder \/etc/);
  });

  it('checks conflicts at the requested mount path', () => {
    const file = 'services:\n  db:\n    image: a\n    tmpfs: /data\n';
    const body = { compose_file_code: file, enable_s3_mount: true, s3_mount_path: '/data' };
    expect(() => toComposeRunSpec(body, config)).toThrow(
      /Service "db" already has a tmpfs at \/data/,
    );
    expect(() => toComposeRunSpec({ compose_file_code: file }, config)).not.toThrow();
  });

  it('rejects an unknown main service', () => {
    const body = { compose_file_code: TWO_SERVICES, main_service: 'db' };
    expect(() => toComposeRunSpec(body, config)).toThrow(/main service "db" is not in/);
  });

  it('applies the operator allowances', () => {
    const file = 'services:\n  web:\n    image: a\n    privileged: true\n';
    const allowing = resolveServerConfig({}, { LYCEUM_COMPOSE_ALLOW: 'privileged' });
    expect(() => toComposeRunSpec({ compose_file_code: file }, config)).toThrow(/\[privileged\]/);
    expect(() => toComposeRunSpec({ compose_file_code: file }, allowing)).not.toThrow();
  });

  it('replaces variables with the Compose environment', () => {
    const file = 'services:\n  web:\n    image: a\n    volumes: ["${HOME}:/h"]\n';
    const withHome = resolveServerConfig({}, { HOME: '/home/op' });
    expect(() => toComposeRunSpec({ compose_file_code: file }, withHome)).toThrow(
      'volumes: /home/op:/h [bind_mounts]',
    );
  });

  it('rejects a timeout out of range', () => {
    const body = { compose_file_code: TWO_SERVICES, timeout: 0 };
    expect(() => toComposeRunSpec(body, config)).toThrow(UnprocessableInputError);
  });
});
