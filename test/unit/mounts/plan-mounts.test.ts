import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors/index.js';
import { planMounts, type MountRequest } from '../../../src/mounts/plan-mounts.js';

const noMount = { kind: 'none', credentials: false };
const pythonPlan = { kind: 'none', credentials: true };

function bucketAt(containerPath: string) {
  return { kind: 'bucket', containerPath, readOnly: false, credentials: false };
}

describe('planMounts for docker', () => {
  it('mounts bucket read-write at /mnt/s3 by default', () => {
    expect(planMounts('docker', {})).toEqual(bucketAt('/mnt/s3'));
  });

  it('mounts bucket when enabled explicitly', () => {
    expect(planMounts('docker', { enableS3Mount: true })).toEqual(bucketAt('/mnt/s3'));
  });

  it('mounts nothing when disabled', () => {
    expect(planMounts('docker', { enableS3Mount: false })).toEqual(noMount);
  });

  it('treats undefined fields as unset', () => {
    const request: MountRequest = { enableS3Mount: undefined, s3MountPath: undefined };
    expect(planMounts('docker', request)).toEqual(bucketAt('/mnt/s3'));
  });

  it('mounts at /data for /data/', () => {
    expect(planMounts('docker', { s3MountPath: '/data/' })).toEqual(bucketAt('/data'));
  });

  it('mounts at enabled custom path', () => {
    expect(planMounts('docker', { enableS3Mount: true, s3MountPath: '/data' })).toEqual(
      bucketAt('/data'),
    );
  });

  it('keeps spaces in mount path', () => {
    expect(planMounts('docker', { s3MountPath: '/mnt/my data' })).toEqual(bucketAt('/mnt/my data'));
  });

  it.each(['/procx', '/usr2'])('accepts %j beside a system folder', (path) => {
    expect(planMounts('docker', { s3MountPath: path })).toEqual(bucketAt(path));
  });

  describe('disabled mount with a path', () => {
    const request = { enableS3Mount: false, s3MountPath: '/data' };

    it('throws InvalidInputError', () => {
      expect(() => planMounts('docker', request)).toThrow(InvalidInputError);
    });

    it('names the path', () => {
      expect(() => planMounts('docker', request)).toThrow('"/data"');
    });

    it('says the mount is off', () => {
      expect(() => planMounts('docker', request)).toThrow(/mount is turned off/);
    });

    it('asks to drop one option', () => {
      expect(() => planMounts('docker', request)).toThrow(/drop one of the two options/);
    });

    it('is a usage error', () => {
      expect(() => planMounts('docker', request)).toThrow(expect.objectContaining({ exitCode: 2 }));
    });
  });

  describe.each([
    ['data', /must be absolute/],
    ['/', /whole file system/],
    ['/mnt/../etc', /"\." or "\.\." segment/],
    ['/mnt//s3', /empty segment/],
    ['/usr/local/x', /inside the system folder \/usr;/],
    ['/proc', /inside the system folder \/proc;/],
    ['/a:b', /contains ":" or ","/],
  ])('mount path %j', (path, rule) => {
    it('throws InvalidInputError', () => {
      expect(() => planMounts('docker', { s3MountPath: path })).toThrow(InvalidInputError);
    });

    it('names the path', () => {
      expect(() => planMounts('docker', { s3MountPath: path })).toThrow(JSON.stringify(path));
    });

    it('names the rule broken', () => {
      expect(() => planMounts('docker', { s3MountPath: path })).toThrow(rule);
    });
  });

  it('rejects an empty mount path', () => {
    expect(() => planMounts('docker', { s3MountPath: '' })).toThrow(/Mount path is empty/);
  });
});

describe('planMounts for compose', () => {
  it('mounts nothing by default', () => {
    expect(planMounts('compose', {})).toEqual(noMount);
  });

  it('mounts nothing when disabled', () => {
    expect(planMounts('compose', { enableS3Mount: false })).toEqual(noMount);
  });

  it('mounts at /mnt/s3 on opt-in', () => {
    expect(planMounts('compose', { enableS3Mount: true })).toEqual(bucketAt('/mnt/s3'));
  });

  it('mounts at given path on opt-in', () => {
    expect(planMounts('compose', { enableS3Mount: true, s3MountPath: '/data' })).toEqual(
      bucketAt('/data'),
    );
  });

  it('drops trailing slash on opt-in', () => {
    expect(planMounts('compose', { enableS3Mount: true, s3MountPath: '/data/' })).toEqual(
      bucketAt('/data'),
    );
  });

  it('rejects bad path on opt-in', () => {
    expect(() => planMounts('compose', { enableS3Mount: true, s3MountPath: '/etc/x' })).toThrow(
      /inside the system folder \/etc;/,
    );
  });

  describe('path without opt-in', () => {
    const request = { s3MountPath: '/data' };

    it('throws InvalidInputError', () => {
      expect(() => planMounts('compose', request)).toThrow(InvalidInputError);
    });

    it('names the path', () => {
      expect(() => planMounts('compose', request)).toThrow('"/data"');
    });

    it('names the opt-in field', () => {
      expect(() => planMounts('compose', request)).toThrow(/enable_s3_mount is true/);
    });

    it('names the opt-in flag', () => {
      expect(() => planMounts('compose', request)).toThrow(/--enable-s3-mount/);
    });
  });

  describe('path with mount disabled', () => {
    const request = { enableS3Mount: false, s3MountPath: '/data' };

    it('throws InvalidInputError', () => {
      expect(() => planMounts('compose', request)).toThrow(InvalidInputError);
    });

    it('says the mount is off', () => {
      expect(() => planMounts('compose', request)).toThrow(/mount is turned off/);
    });
  });
});

describe('planMounts for python', () => {
  it.each<[string, MountRequest]>([
    ['nothing set', {}],
    ['mount enabled', { enableS3Mount: true }],
    ['mount disabled', { enableS3Mount: false }],
    ['a mount path', { s3MountPath: '/data' }],
    ['an enabled mount path', { enableS3Mount: true, s3MountPath: '/data' }],
    ['a disabled mount path', { enableS3Mount: false, s3MountPath: '/data' }],
    ['an invalid mount path', { enableS3Mount: true, s3MountPath: '/proc' }],
  ])('gives credentials, no mount, for %s', (_case, request) => {
    expect(planMounts('python', request)).toEqual(pythonPlan);
  });
});
