import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../../src/db/database.js';
import { MetadataIndex, type ObjectMetadata } from '../../../src/storage/metadata-index.js';

/** Metadata an upload records: its own ETag, content type and user metadata. */
const uploaded: ObjectMetadata = {
  key: 'data/model.bin',
  size: 10,
  mtimeNs: '1000',
  ctimeNs: '2000',
  ino: '77',
  etag: '3be00b00000000000000000000000000-2',
  contentType: 'text/x-custom',
  userMetadata: { a: 'b' },
  checksums: { 'x-amz-checksum-crc32': 'NhCmhg==' },
};

/** Metadata derived from the same file, as a listing works it out. */
const derived: ObjectMetadata = {
  ...uploaded,
  etag: '904ba800000000000000000000000000',
  contentType: 'application/octet-stream',
  userMetadata: null,
  checksums: null,
};

describe('MetadataIndex.putDerived', () => {
  let db: SqliteDatabase;
  let index: MetadataIndex;

  beforeEach(() => {
    db = openDatabase(':memory:');
    index = new MetadataIndex(db);
  });

  afterEach(() => {
    db.close();
  });

  it('keeps an upload entry of the same file', () => {
    index.put('bucket', uploaded);
    expect(index.putDerived('bucket', derived)).toEqual(uploaded);
    expect(index.get('bucket', uploaded.key)).toEqual(uploaded);
  });

  it('replaces an entry of a changed file', () => {
    index.put('bucket', uploaded);
    const changed = { ...derived, size: 11, mtimeNs: '3000', ctimeNs: '3000' };
    expect(index.putDerived('bucket', changed)).toEqual(changed);
  });

  it('replaces an entry of another file with the same times', () => {
    index.put('bucket', uploaded);
    const other = { ...derived, ino: '78' };
    expect(index.putDerived('bucket', other)).toEqual(other);
  });

  it('keeps the entry of a newer file', () => {
    index.put('bucket', uploaded);
    const older = { ...derived, ino: '78', ctimeNs: '1500' };
    expect(index.putDerived('bucket', older)).toEqual(uploaded);
  });

  it('replaces an entry without a change time', () => {
    index.put('bucket', { ...uploaded, ctimeNs: null });
    expect(index.putDerived('bucket', derived)).toEqual(derived);
  });

  it('records a new entry', () => {
    expect(index.putDerived('bucket', derived)).toEqual(derived);
  });

  it('lets an upload replace a derived entry', () => {
    index.putDerived('bucket', derived);
    index.put('bucket', uploaded);
    expect(index.get('bucket', uploaded.key)).toEqual(uploaded);
  });
});

describe('MetadataIndex entries in memory', () => {
  let db: SqliteDatabase;
  let index: MetadataIndex;
  const other: ObjectMetadata = { ...uploaded, key: 'other/model.bin' };

  beforeEach(() => {
    db = openDatabase(':memory:');
    index = new MetadataIndex(db);
    index.put('bucket', uploaded);
    index.put('bucket', other);
  });

  afterEach(() => {
    db.close();
  });

  it('returns frozen entries', () => {
    const entry = index.get('bucket', uploaded.key)!;
    expect(Object.isFrozen(entry)).toBe(true);
    expect(Object.isFrozen(entry.userMetadata)).toBe(true);
    expect(Object.isFrozen(entry.checksums)).toBe(true);
  });

  it('forgets a deleted entry', () => {
    index.delete('bucket', uploaded.key);
    expect(index.get('bucket', uploaded.key)).toBeUndefined();
    expect(index.get('bucket', other.key)).toEqual(other);
  });

  it('forgets entries under a deleted prefix', () => {
    index.deleteByPrefix('bucket', 'data/');
    expect(index.get('bucket', uploaded.key)).toBeUndefined();
    expect(index.get('bucket', other.key)).toEqual(other);
  });

  it('returns the entry putDerived kept', () => {
    expect(index.get('bucket', uploaded.key)).toEqual(uploaded);
    index.putDerived('bucket', derived);
    expect(index.get('bucket', uploaded.key)).toEqual(uploaded);
  });

  it('keeps buckets apart', () => {
    expect(index.get('another-bucket', uploaded.key)).toBeUndefined();
  });
});
