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
