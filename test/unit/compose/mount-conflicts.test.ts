import { describe, expect, it } from 'vitest';
import { findMountConflicts } from '../../../src/compose/mount-conflicts.js';

describe('findMountConflicts', () => {
  it('finds a volume at the mount path', () => {
    const services = { db: { volumes: ['data:/mnt/s3'] }, web: {} };
    expect(findMountConflicts(services, '/mnt/s3')).toEqual([
      { service: 'db', kind: 'volume', target: '/mnt/s3' },
    ]);
  });

  it('finds a bind, a tmpfs and an anonymous volume', () => {
    const services = {
      a: { volumes: [{ type: 'bind', source: '/x', target: '/data/' }] },
      b: { tmpfs: '/data' },
      c: { volumes: ['/data'] },
    };
    expect(findMountConflicts(services, '/data')).toEqual([
      { service: 'a', kind: 'bind', target: '/data' },
      { service: 'b', kind: 'tmpfs', target: '/data' },
      { service: 'c', kind: 'volume', target: '/data' },
    ]);
  });

  it('finds a mount inside the mount path', () => {
    const services = { web: { volumes: ['cache:/mnt/s3/cache'] } };
    expect(findMountConflicts(services, '/mnt/s3')).toEqual([
      { service: 'web', kind: 'volume', target: '/mnt/s3/cache' },
    ]);
  });

  it.each(['/mnt', '/mnt/s', '/mnt/s3x', '/data'])('accepts a mount at %j', (target) => {
    const services = { web: { volumes: [`v:${target}`] } };
    expect(findMountConflicts(services, '/mnt/s3')).toEqual([]);
  });
});
