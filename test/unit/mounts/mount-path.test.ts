import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors/index.js';
import {
  DEFAULT_MOUNT_PATH,
  SYSTEM_FOLDERS,
  normaliseMountPath,
} from '../../../src/mounts/mount-path.js';

describe('DEFAULT_MOUNT_PATH', () => {
  it('is /mnt/s3', () => {
    expect(DEFAULT_MOUNT_PATH).toBe('/mnt/s3');
  });
});

describe('SYSTEM_FOLDERS', () => {
  it('lists the protected container folders', () => {
    expect([...SYSTEM_FOLDERS].sort()).toEqual(
      [
        '/bin',
        '/boot',
        '/dev',
        '/etc',
        '/lib',
        '/lib32',
        '/lib64',
        '/libx32',
        '/proc',
        '/run',
        '/sbin',
        '/sys',
        '/usr',
      ].sort(),
    );
  });
});

describe('normaliseMountPath', () => {
  it.each([
    '/mnt/s3',
    '/data',
    '/mnt/my data',
    '/home/user/.cache',
    '/mnt/...',
    '/opt/données/été',
    '/mnt/proc',
    '/var/data',
    '/Proc',
  ])('accepts %j unchanged', (path) => {
    expect(normaliseMountPath(path)).toBe(path);
  });

  it.each([
    ['/data/', '/data'],
    ['/mnt/s3/', '/mnt/s3'],
    ['/mnt/my data/', '/mnt/my data'],
  ])('drops one trailing slash from %j', (path, expected) => {
    expect(normaliseMountPath(path)).toBe(expected);
  });

  it.each([
    '/procx',
    '/usr2',
    '/system',
    '/device',
    '/etcetera',
    '/libs',
    '/lib64x',
    '/runner',
    '/bootstrap',
    '/binaries',
    '/sbin2',
  ])('accepts %j beside a system folder', (path) => {
    expect(normaliseMountPath(path)).toBe(path);
  });

  describe('rejects an empty path', () => {
    it('with InvalidInputError', () => {
      expect(() => normaliseMountPath('')).toThrow(InvalidInputError);
    });

    it('saying it is empty', () => {
      expect(() => normaliseMountPath('')).toThrow(/empty/);
    });
  });

  describe.each(['data', 'mnt/s3', './data', '~/data', ' /data'])(
    'rejects relative path %j',
    (path) => {
      it('with InvalidInputError', () => {
        expect(() => normaliseMountPath(path)).toThrow(InvalidInputError);
      });

      it('naming the path', () => {
        expect(() => normaliseMountPath(path)).toThrow(JSON.stringify(path));
      });

      it('naming the absolute rule', () => {
        expect(() => normaliseMountPath(path)).toThrow(/must be absolute/);
      });
    },
  );

  describe('rejects the root folder', () => {
    it('with InvalidInputError', () => {
      expect(() => normaliseMountPath('/')).toThrow(InvalidInputError);
    });

    it('naming the path', () => {
      expect(() => normaliseMountPath('/')).toThrow('"/"');
    });

    it('naming the whole file system rule', () => {
      expect(() => normaliseMountPath('/')).toThrow(/whole file system/);
    });
  });

  describe.each(['/mnt//s3', '//data', '/data//', '/a//b//c'])(
    'rejects double slash in %j',
    (path) => {
      it('with InvalidInputError', () => {
        expect(() => normaliseMountPath(path)).toThrow(InvalidInputError);
      });

      it('naming the path', () => {
        expect(() => normaliseMountPath(path)).toThrow(JSON.stringify(path));
      });

      it('naming the empty segment rule', () => {
        expect(() => normaliseMountPath(path)).toThrow(/empty segment \("\/\/"\)/);
      });
    },
  );

  it('rejects a path of two slashes', () => {
    expect(() => normaliseMountPath('//')).toThrow(InvalidInputError);
  });

  describe.each([
    '/mnt/../etc',
    '/./data',
    '/data/.',
    '/data/..',
    '/..',
    '/.',
    '/mnt/./s3',
    '/a/../b/',
  ])('rejects dot segment in %j', (path) => {
    it('with InvalidInputError', () => {
      expect(() => normaliseMountPath(path)).toThrow(InvalidInputError);
    });

    it('naming the path', () => {
      expect(() => normaliseMountPath(path)).toThrow(JSON.stringify(path));
    });

    it('naming the dot segment rule', () => {
      expect(() => normaliseMountPath(path)).toThrow(/"\." or "\.\." segment/);
    });
  });

  describe.each(['/a:b', '/data:ro', '/a,b', '/mnt/s3,readonly', '/c:/data'])(
    'rejects separator in %j',
    (path) => {
      it('with InvalidInputError', () => {
        expect(() => normaliseMountPath(path)).toThrow(InvalidInputError);
      });

      it('naming the path', () => {
        expect(() => normaliseMountPath(path)).toThrow(JSON.stringify(path));
      });

      it('naming the separator rule', () => {
        expect(() => normaliseMountPath(path)).toThrow(/contains ":" or ","/);
      });
    },
  );

  describe.each([
    ['NUL', '/a\u0000b'],
    ['tab', '/a\tb'],
    ['line feed', '/a\nb'],
    ['carriage return', '/data\r'],
    ['unit separator', '/a\u001fb'],
    ['delete', '/a\u007fb'],
  ])('rejects %s character', (_name, path) => {
    it('with InvalidInputError', () => {
      expect(() => normaliseMountPath(path)).toThrow(InvalidInputError);
    });

    it('naming the path', () => {
      expect(() => normaliseMountPath(path)).toThrow(JSON.stringify(path));
    });

    it('naming the control character rule', () => {
      expect(() => normaliseMountPath(path)).toThrow(/control character/);
    });
  });

  // U+0080 to U+009F are control characters too (Unicode category Cc), like U+0000 to U+001F.
  it.each([
    ['U+0080', '/a\u0080b'],
    ['U+0085', '/a\u0085b'],
    ['U+009F', '/a\u009fb'],
  ])('rejects C1 control character %s', (_name, path) => {
    expect(() => normaliseMountPath(path)).toThrow(/control character/);
  });

  describe.each(
    SYSTEM_FOLDERS.flatMap((folder) => [
      [folder, folder],
      [`${folder}/x`, folder],
      [`${folder}/`, folder],
      [`${folder}/a/b`, folder],
    ]),
  )('rejects system path %j', (path, folder) => {
    it('with InvalidInputError', () => {
      expect(() => normaliseMountPath(path)).toThrow(InvalidInputError);
    });

    it('naming the path', () => {
      expect(() => normaliseMountPath(path)).toThrow(JSON.stringify(path));
    });

    it('naming the system folder', () => {
      expect(() => normaliseMountPath(path)).toThrow(`inside the system folder ${folder};`);
    });
  });

  it('suggests an example path', () => {
    expect(() => normaliseMountPath('data')).toThrow(/for example \/mnt\/s3/);
  });
});
