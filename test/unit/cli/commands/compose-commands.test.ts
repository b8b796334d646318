import { describe, expect, it } from 'vitest';
import { composeStartBody } from '../../../../src/cli/commands/compose-commands.js';
import { InvalidInputError } from '../../../../src/errors/index.js';

const TEXT = 'services:\n  web:\n    image: a\n';

describe('composeStartBody', () => {
  it('builds minimal body without mount', () => {
    expect(composeStartBody(TEXT, 'stack.yml', {})).toEqual({
      compose_file_code: TEXT,
      file_name: 'stack.yml',
      enable_s3_mount: false,
    });
  });

  it('passes every option', () => {
    const body = composeStartBody(TEXT, 'stack.yml', {
      enableS3Mount: true,
      s3MountPath: '/data',
      main: 'web',
      timeout: '30',
      pull: 'never',
    });
    expect(body).toEqual({
      compose_file_code: TEXT,
      file_name: 'stack.yml',
      enable_s3_mount: true,
      s3_mount_path: '/data',
      main_service: 'web',
      timeout: 30,
      pull_policy: 'never',
    });
  });

  describe('mount path without --enable-s3-mount', () => {
    const build = () => composeStartBody(TEXT, 'stack.yml', { s3MountPath: '/data' });

    it('throws InvalidInputError', () => {
      expect(build).toThrow(InvalidInputError);
    });

    it('asks for --enable-s3-mount', () => {
      expect(build).toThrow(/--s3-mount-path needs --enable-s3-mount/);
    });
  });

  it('rejects an invalid timeout', () => {
    expect(() => composeStartBody(TEXT, 'stack.yml', { timeout: 'soon' })).toThrow(/--timeout/);
  });

  it('rejects an invalid pull policy', () => {
    expect(() => composeStartBody(TEXT, 'stack.yml', { pull: 'sometimes' })).toThrow(/--pull/);
  });
});
