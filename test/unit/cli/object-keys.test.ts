import { describe, expect, it } from 'vitest';
import { checkObjectKey } from '../../../src/cli/object-keys.js';
import { InvalidInputError } from '../../../src/errors/index.js';

describe('checkObjectKey', () => {
  it('returns a valid key', () => {
    expect(checkObjectKey('data/x.csv')).toBe('data/x.csv');
  });

  describe('folder key', () => {
    it('throws InvalidInputError', () => {
      expect(() => checkObjectKey('results/')).toThrow(InvalidInputError);
    });

    it('says the key names a folder', () => {
      expect(() => checkObjectKey('results/')).toThrow(
        'Key "results/" ends with "/", so it names a folder; give the key of one object.',
      );
    });

    it('points at ls by default', () => {
      expect(() => checkObjectKey('results/')).toThrow(
        '"lyceum storage ls results/" lists the objects in it.',
      );
    });

    it('ends with the given advice', () => {
      expect(() => checkObjectKey('results/', 'Use rmdir.')).toThrow(
        'give the key of one object. Use rmdir.',
      );
    });
  });

  it('rejects a lone slash as an empty key segment', () => {
    expect(() => checkObjectKey('/')).toThrow('has an empty segment');
  });
});
