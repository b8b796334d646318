import { describe, expect, it } from 'vitest';
import { isHostPath, serviceMounts } from '../../../src/compose/service-mounts.js';

describe('serviceMounts', () => {
  it.each([
    ['data:/var/lib/data', 'volume', 'data', '/var/lib/data'],
    ['data:/var/lib/data:ro', 'volume', 'data', '/var/lib/data'],
    ['/srv/data:/data', 'bind', '/srv/data', '/data'],
    ['./data:/data', 'bind', './data', '/data'],
    ['~/data:/data', 'bind', '~/data', '/data'],
    ['sub/dir:/data', 'bind', 'sub/dir', '/data'],
    [':/data', 'bind', '', '/data'],
    ['/cache', 'volume', undefined, '/cache'],
    ['data:/mnt/s3/', 'volume', 'data', '/mnt/s3'],
    ['data:/mnt//s3/./x', 'volume', 'data', '/mnt/s3/x'],
    ['c:/etc:/hostetc', 'bind', 'c:/etc', '/hostetc'],
    ['C:\\:/hostroot:ro', 'bind', 'C:\\', '/hostroot'],
    ['c:x/../..:/host', 'bind', 'c:x/../..', '/host'],
    ['é:x:/host', 'bind', 'é:x', '/host'],
    ['a:/data', 'bind', 'a:/data', undefined],
  ])('reads short syntax %j', (entry, kind, source, target) => {
    expect(serviceMounts({ volumes: [entry] })).toEqual([{ kind, source, target, written: entry }]);
  });

  it.each([
    [{ type: 'volume', source: 'data', target: '/d' }, 'volume', 'data'],
    [{ type: 'volume', target: '/d' }, 'volume', undefined],
    [{ type: 'volume', source: '/etc', target: '/d' }, 'bind', '/etc'],
    [{ type: 'bind', source: '/etc', target: '/d' }, 'bind', '/etc'],
    [{ type: 'BIND', source: '/etc', target: '/d' }, 'bind', '/etc'],
    [{ type: 'npipe', source: '\\\\.\\pipe\\docker', target: '/d' }, 'bind', '\\\\.\\pipe\\docker'],
    [{ type: 'unknown', source: 'data', target: '/d' }, 'bind', 'data'],
    [{ source: '/etc', target: '/d' }, 'bind', '/etc'],
    [{ type: 'tmpfs', target: '/d' }, 'tmpfs', undefined],
    [{ type: 'image', source: 'busybox', target: '/d' }, 'image', 'busybox'],
  ])('reads long syntax %j', (entry, kind, source) => {
    expect(serviceMounts({ volumes: [entry] })).toMatchObject([{ kind, source, target: '/d' }]);
  });

  it('reads tmpfs as a string and a list', () => {
    expect(serviceMounts({ tmpfs: '/run/x' })).toMatchObject([{ kind: 'tmpfs', target: '/run/x' }]);
    expect(serviceMounts({ tmpfs: ['/a:size=1m', '/b'] })).toMatchObject([
      { kind: 'tmpfs', target: '/a' },
      { kind: 'tmpfs', target: '/b' },
    ]);
  });

  it('skips malformed entries', () => {
    expect(serviceMounts({ volumes: [42, null], tmpfs: [7] })).toEqual([]);
    expect(serviceMounts({ volumes: 'data:/d' })).toEqual([]);
  });
});

describe('isHostPath', () => {
  it.each(['data', 'my_data-1.x', 'A1'])('reads %j as a volume name', (source) => {
    expect(isHostPath(source)).toBe(false);
  });

  it.each(['/', '/etc', '.', './x', '~', 'a/b', '-x', '_x', ''])('reads %j as a path', (source) => {
    expect(isHostPath(source)).toBe(true);
  });
});
