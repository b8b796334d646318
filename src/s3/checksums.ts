import { createHash } from 'node:crypto';
import { Crc32, Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
import { s3Errors } from './s3-error.js';

/** The checksum algorithms S3 clients send in `x-amz-checksum-*` headers and trailers. */
export const CHECKSUM_ALGORITHMS = ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** A running checksum whose digest is base64, as the `x-amz-checksum-*` headers carry it. */
export interface RunningChecksum {
  update(data: Buffer): void;
  digestBase64(): Promise<string>;
}

export function createChecksum(algorithm: ChecksumAlgorithm | 'md5'): RunningChecksum {
  if (algorithm === 'md5' || algorithm === 'sha1' || algorithm === 'sha256') {
    const hash = createHash(algorithm);
    return {
      update: (data) => hash.update(data),
      digestBase64: async () => hash.digest('base64'),
    };
  }
  const checksums = { crc32: Crc32, crc32c: Crc32c, crc64nvme: Crc64Nvme };
  const checksum = new checksums[algorithm]();
  return {
    update: (data) => checksum.update(data),
    digestBase64: async () => Buffer.from(await checksum.digest()).toString('base64'),
  };
}

/** A checksum a client declared for the body: in a header now, or in a trailer after the body. */
export interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm | 'md5';
  header: string;
  /** The base64 value, or undefined when it arrives as a trailer. */
  value: string | undefined;
}

/**
 * Collects the checksums a PutObject or UploadPart request declares: Content-MD5, any
 * `x-amz-checksum-ALGORITHM` header, and the algorithm named in `x-amz-trailer`.
 */
export function expectedChecksums(headers: Record<string, string | undefined>): ExpectedChecksum[] {
  const expected: ExpectedChecksum[] = [];
  const md5 = headers['content-md5'];
  if (md5 !== undefined) {
    if (!/^[A-Za-z0-9+/]{22}==$/.test(md5)) throw s3Errors.invalidDigest('Content-MD5');
    expected.push({ algorithm: 'md5', header: 'Content-MD5', value: md5 });
  }
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const header = `x-amz-checksum-${algorithm}`;
    const value = headers[header];
    if (value !== undefined) expected.push({ algorithm, header, value });
  }
  const trailer = headers['x-amz-trailer']?.trim().toLowerCase();
  if (trailer !== undefined && trailer !== '') {
    const algorithm = trailer.replace(/^x-amz-checksum-/, '') as ChecksumAlgorithm;
    if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
      throw s3Errors.invalidRequest(`The trailer ${trailer} is not a supported checksum.`);
    }
    expected.push({ algorithm, header: trailer, value: undefined });
  }
  return expected;
}
