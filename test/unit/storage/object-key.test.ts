import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../../src/errors/index.js';
import {
  MAX_KEY_BYTES,
  MAX_SEGMENT_BYTES,
  compareKeys,
  validateFolderPrefix,
  validateObjectKey,
} from '../../../src/storage/object-key.js';

/** Builds an ASCII key of `totalBytes` bytes: five 200-byte segments and one that fills the rest. */
function keyOfBytes(totalBytes: number): string {
  const head = Array.from({ length: 5 }, () => 'x'.repeat(200)).join('/');
  return `${head}/${'y'.repeat(totalBytes - Buffer.byteLength(head) - 1)}`;
}

describe('validateObjectKey', () => {
  it.each([
    'a',
    'data/x.csv',
    'my file.txt',
    'a b/c d/e f',
    'données/été.csv',
    '日本語/ファイル.txt',
    'emoji/😀.png',
    '.hidden',
    '..a',
    'a.',
    '...',
    'a/.b/..c',
    'key with + and %20',
  ])('accepts %j unchanged', (key) => {
    expect(validateObjectKey(key)).toBe(key);
  });

  it('uses the S3 key limit', () => {
    expect(MAX_KEY_BYTES).toBe(1024);
  });

  it('uses the file name limit', () => {
    expect(MAX_SEGMENT_BYTES).toBe(255);
  });

  describe('empty key', () => {
    it('throws InvalidInputError', () => {
      expect(() => validateObjectKey('')).toThrow(InvalidInputError);
    });

    it('says the key is empty', () => {
      expect(() => validateObjectKey('')).toThrow(/Object key is empty/);
    });
  });

  describe.each(['a\u0000b', '\u0000', 'data/x\u0000.csv'])('key %j with NUL', (key) => {
    it('throws InvalidInputError', () => {
      expect(() => validateObjectKey(key)).toThrow(InvalidInputError);
    });

    it('names the key', () => {
      expect(() => validateObjectKey(key)).toThrow(JSON.stringify(key));
    });

    it('names the NUL rule', () => {
      expect(() => validateObjectKey(key)).toThrow(/NUL character/);
    });
  });

  describe.each([
    ['.', '.'],
    ['..', '..'],
    ['./a', '.'],
    ['a/./b', '.'],
    ['a/.', '.'],
    ['../a', '..'],
    ['a/../b', '..'],
    ['a/..', '..'],
  ])('key %j with a dot segment', (key, segment) => {
    it('throws InvalidInputError', () => {
      expect(() => validateObjectKey(key)).toThrow(InvalidInputError);
    });

    it('names the key', () => {
      expect(() => validateObjectKey(key)).toThrow(JSON.stringify(key));
    });

    it('names the segment', () => {
      expect(() => validateObjectKey(key)).toThrow(`has a "${segment}" segment`);
    });
  });

  describe.each([
    ['leading slash', '/a'],
    ['trailing slash', 'a/'],
    ['double slash', 'a//b'],
    ['only a slash', '/'],
    ['folder marker', 'data/results/'],
  ])('key with %s', (_case, key) => {
    it('throws InvalidInputError', () => {
      expect(() => validateObjectKey(key)).toThrow(InvalidInputError);
    });

    it('names the key', () => {
      expect(() => validateObjectKey(key)).toThrow(JSON.stringify(key));
    });

    it('names the empty segment rule', () => {
      expect(() => validateObjectKey(key)).toThrow(/empty segment/);
    });
  });

  describe('segment length in UTF-8 bytes', () => {
    it.each([
      ['255 ASCII bytes', 'a'.repeat(255)],
      ['127 two-byte characters and one ASCII', `${'é'.repeat(127)}x`],
      ['85 three-byte characters', '€'.repeat(85)],
      ['63 four-byte characters', '😀'.repeat(63)],
    ])('accepts %s', (_case, segment) => {
      expect(validateObjectKey(`data/${segment}`)).toBe(`data/${segment}`);
    });

    describe.each([
      ['256 ASCII bytes', 'a'.repeat(256)],
      ['128 two-byte characters', 'é'.repeat(128)],
      ['86 three-byte characters', '€'.repeat(86)],
      ['64 four-byte characters', '😀'.repeat(64)],
    ])('with %s', (_case, segment) => {
      it('throws InvalidInputError', () => {
        expect(() => validateObjectKey(`data/${segment}`)).toThrow(InvalidInputError);
      });

      it('names the segment rule', () => {
        expect(() => validateObjectKey(`data/${segment}`)).toThrow(/segment longer than 255 bytes/);
      });
    });
  });

  describe('key length in UTF-8 bytes', () => {
    it('accepts exactly 1024 bytes', () => {
      const key = keyOfBytes(1024);
      expect(validateObjectKey(key)).toBe(key);
    });

    describe('with 1025 ASCII bytes', () => {
      const key = keyOfBytes(1025);

      it('throws InvalidInputError', () => {
        expect(() => validateObjectKey(key)).toThrow(InvalidInputError);
      });

      it('names the key length rule', () => {
        expect(() => validateObjectKey(key)).toThrow(/longer than 1024 bytes/);
      });

      it('names the start of the key', () => {
        expect(() => validateObjectKey(key)).toThrow(`"${'x'.repeat(20)}`);
      });
    });

    it('counts multi-byte characters as bytes', () => {
      const segment = 'é'.repeat(100);
      const key = [segment, segment, segment, segment, segment, 'é'.repeat(10)].join('/');
      expect(key.length).toBeLessThan(1024);
      expect(Buffer.byteLength(key)).toBe(1025);
      expect(() => validateObjectKey(key)).toThrow(/longer than 1024 bytes/);
    });
  });
});

describe('validateFolderPrefix', () => {
  it.each([
    ['results', 'results/'],
    ['results/', 'results/'],
    ['results///', 'results/'],
    ['a/b', 'a/b/'],
    ['a/b//', 'a/b/'],
    ['my folder', 'my folder/'],
  ])('turns %j into %j', (prefix, expected) => {
    expect(validateFolderPrefix(prefix)).toBe(expected);
  });

  describe.each(['', '/', '///'])('empty prefix %j', (prefix) => {
    it('throws InvalidInputError', () => {
      expect(() => validateFolderPrefix(prefix)).toThrow(InvalidInputError);
    });

    it('says the prefix is empty', () => {
      expect(() => validateFolderPrefix(prefix)).toThrow(/Folder prefix is empty/);
    });
  });

  it.each([
    ['a dot segment', '../x/'],
    ['a double slash', 'a//b/'],
    ['a leading slash', '/a/'],
    ['NUL', 'a\u0000/'],
  ])('rejects prefix with %s', (_case, prefix) => {
    expect(() => validateFolderPrefix(prefix)).toThrow(InvalidInputError);
  });
});

describe('compareKeys', () => {
  it('returns 0 for equal keys', () => {
    expect(compareKeys('data/x.csv', 'data/x.csv')).toBe(0);
  });

  it.each([
    ['hyphen before slash', 'a-b', 'a/b'],
    ['uppercase before lowercase', 'B', 'a'],
    ['prefix before longer key', 'a', 'a/b'],
    ['ASCII before two-byte', 'z', 'é'],
    ['ASCII before four-byte', '~', '😀'],
    ['three-byte before four-byte', '\uff61', '😀'],
  ])('orders %s', (_case, first, second) => {
    expect(compareKeys(first, second)).toBeLessThan(0);
  });

  it('is antisymmetric', () => {
    expect(compareKeys('a/b', 'a-b')).toBeGreaterThan(0);
  });

  it('sorts keys by UTF-8 bytes', () => {
    const keys = ['😀', 'b', 'a/b', '\uff61', 'a-b', 'A', 'é', 'a'];
    expect(keys.sort(compareKeys)).toEqual(['A', 'a', 'a-b', 'a/b', 'b', 'é', '\uff61', '😀']);
  });
});
