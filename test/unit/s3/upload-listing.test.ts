import { describe, expect, it } from 'vitest';
import { pageUploads, type UploadPageRequest } from '../../../src/s3/operations/upload-listing.js';
import type { MultipartUpload } from '../../../src/storage/multipart-uploads.js';

/** Uploads in the order the store lists them: by key, then by start time. */
const uploads: MultipartUpload[] = [
  ['a.bin', 'u1'],
  ['a.bin', 'u2'],
  ['b.bin', 'u3'],
  ['logs/1.txt', 'u4'],
  ['logs/2.txt', 'u5'],
  ['z.bin', 'u6'],
].map(([key, uploadId]) => ({
  key: key!,
  uploadId: uploadId!,
  bucket: 'bucket',
  contentType: null,
  userMetadata: null,
  createdAt: '2026-01-01T00:00:00.000Z',
}));

function page(request: Partial<UploadPageRequest>) {
  const result = pageUploads(uploads, {
    prefix: '',
    delimiter: '',
    keyMarker: '',
    uploadIdMarker: '',
    maxUploads: 1000,
    ...request,
  });
  return { ...result, uploads: result.uploads.map((upload) => upload.uploadId) };
}

describe('pageUploads', () => {
  it('lists everything on one page', () => {
    expect(page({})).toEqual({
      uploads: ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'],
      commonPrefixes: [],
      isTruncated: false,
      nextKeyMarker: 'z.bin',
      nextUploadIdMarker: 'u6',
    });
  });

  it('stops at max-uploads with the next markers', () => {
    const first = page({ maxUploads: 2 });
    expect(first.uploads).toEqual(['u1', 'u2']);
    expect(first.isTruncated).toBe(true);
    expect([first.nextKeyMarker, first.nextUploadIdMarker]).toEqual(['a.bin', 'u2']);
  });

  it('walks every upload once by its markers', () => {
    const seen: string[] = [];
    let markers = { keyMarker: '', uploadIdMarker: '' };
    for (let pages = 0; pages < 10; pages++) {
      const next = page({ maxUploads: 1, ...markers });
      seen.push(...next.uploads);
      if (!next.isTruncated) break;
      markers = { keyMarker: next.nextKeyMarker, uploadIdMarker: next.nextUploadIdMarker };
    }
    expect(seen).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  });

  it('starts after a key marker alone', () => {
    expect(page({ keyMarker: 'a.bin' }).uploads).toEqual(['u3', 'u4', 'u5', 'u6']);
  });

  it('keeps the prefix', () => {
    expect(page({ prefix: 'logs/' }).uploads).toEqual(['u4', 'u5']);
  });

  it('rolls keys up at the delimiter', () => {
    const rolled = page({ delimiter: '/' });
    expect(rolled.uploads).toEqual(['u1', 'u2', 'u3', 'u6']);
    expect(rolled.commonPrefixes).toEqual(['logs/']);
  });

  it('continues after a common prefix marker', () => {
    const first = page({ delimiter: '/', keyMarker: 'b.bin', maxUploads: 1 });
    expect(first.commonPrefixes).toEqual(['logs/']);
    expect([first.nextKeyMarker, first.nextUploadIdMarker]).toEqual(['logs/', '']);
    const second = page({ delimiter: '/', keyMarker: 'logs/' });
    expect(second.uploads).toEqual(['u6']);
    expect(second.commonPrefixes).toEqual([]);
  });
});
