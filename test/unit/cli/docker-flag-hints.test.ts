import { describe, expect, it } from 'vitest';
import { dockerFlagHint, withDockerFlagHint } from '../../../src/cli/docker-flag-hints.js';

describe('dockerFlagHint', () => {
  it.each([
    ['-v', 'at /mnt/s3'],
    ['--volume=/a:/b', 'at /mnt/s3'],
    ['-it', 'no terminal'],
    ['--rm', 'removed when it ends'],
    ['-p', 'publish no ports'],
    ['--gpus', 'cannot ask for GPUs'],
  ])('explains %s', (flag, text) => {
    expect(dockerFlagHint(flag)).toContain(text);
  });

  it('names the flag without its value', () => {
    expect(dockerFlagHint('--volume=/a:/b')).toMatch(/^lyceum docker run has no --volume:/);
  });

  it('returns undefined for other flags', () => {
    expect(dockerFlagHint('--frobnicate')).toBeUndefined();
  });
});

describe('withDockerFlagHint', () => {
  it('adds the hint after the error', () => {
    expect(withDockerFlagHint("error: unknown option '--rm'\n")).toBe(
      "error: unknown option '--rm'\n" +
        'lyceum docker run has no --rm: every run is removed when it ends, and its output stays ' +
        'in the run record.\n',
    );
  });

  it('leaves other errors unchanged', () => {
    const text = "error: missing required argument 'image'\n";
    expect(withDockerFlagHint(text)).toBe(text);
  });

  it('leaves unknown flags without a hint unchanged', () => {
    const text = "error: unknown option '--frobnicate'\n";
    expect(withDockerFlagHint(text)).toBe(text);
  });
});
