import { describe, expect, it } from 'vitest';
import {
  checkFolderPrefix,
  checkListPrefix,
  checkObjectKey,
} from '../../../src/cli/object-keys.js';
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

describe('checkListPrefix', () => {
  it.each(['', 'ds', 'ds/', 'ds/sub/part'])('accepts %j', (prefix) => {
    expect(checkListPrefix(prefix)).toBe(prefix);
  });

  it('points a leading slash at the key', () => {
    expect(() => checkListPrefix('/ds')).toThrow('starts with "/", but keys do not; give "ds".');
  });

  it('points a lone slash at the whole bucket', () => {
    expect(() => checkListPrefix('/')).toThrow('run "lyceum storage ls" to list the whole bucket');
  });

  it('names the bad segment without mentioning deletion', () => {
    expect(() => checkListPrefix('a//b/c')).toThrow('has an empty segment');
    expect(() => checkListPrefix('a//b/c')).not.toThrow(/delete/);
  });
});

describe('S3 URLs', () => {
  it('points a list prefix inside the bucket', () => {
    expect(() => checkListPrefix('s3://lyceum-default/ds/')).toThrow(
      'is an S3 URL; the storage commands work on your own bucket, so give the path inside it: "ds/".',
    );
  });

  it('points a key inside the bucket', () => {
    expect(() => checkObjectKey('s3://bucket/a.csv')).toThrow('give the path inside it: "a.csv"');
  });

  it('points a key with a leading slash at the key', () => {
    expect(() => checkObjectKey('/code/app.py')).toThrow(
      'Key "/code/app.py" starts with "/", but keys do not; give "code/app.py".',
    );
    expect(() => checkFolderPrefix('/results')).toThrow('give "results"');
  });

  it('names no path for a bare bucket URL', () => {
    expect(() => checkListPrefix('s3://lyceum-default')).toThrow('so leave the bucket out');
  });

  it('rejects a bucket URL as a folder', () => {
    expect(() => checkFolderPrefix('s3://bucket')).toThrow(
      'Folder prefix "s3://bucket" is an S3 URL',
    );
  });
});
