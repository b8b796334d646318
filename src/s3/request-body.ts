import type { Hash } from 'node:crypto';
import { createHash } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createChecksum, expectedChecksums, type RunningChecksum } from './checksums.js';
import { s3Errors, S3Error } from './s3-error.js';
import type { S3Request } from './s3-request.js';
import { AwsChunkedDecoder } from './sigv4/aws-chunked-decoder.js';

/** A request body as the object's bytes, with the checks to run once it has been read. */
export interface CheckedBody {
  stream: Readable;
  /**
   * Throws BadDigest, XAmzContentSHA256Mismatch or IncompleteBody when the body was not as
   * declared. Returns the verified `x-amz-checksum-*` values by header name.
   */
  verify(): Promise<Record<string, string>>;
}

/**
 * Wraps an S3 request body: decodes aws-chunked framing (checking chunk signatures where signed),
 * and computes the payload SHA-256 and every declared checksum (Content-MD5, x-amz-checksum-*,
 * trailing checksums) as the bytes pass, for `verify` to compare after the body is stored.
 */
export function checkedBody(request: S3Request): CheckedBody {
  const { auth, headers } = request;
  const declared = expectedChecksums(headers);
  let source: Readable = request.raw;
  let decoder: AwsChunkedDecoder | undefined;
  let expectedLength: number | undefined;

  if (auth.payload.kind === 'chunked') {
    decoder = new AwsChunkedDecoder(
      auth.payload.signed
        ? {
            signingKey: auth.signingKey,
            scope: auth.scope,
            amzDate: auth.amzDate,
            seedSignature: auth.signature,
          }
        : undefined,
      auth.payload.trailer,
    );
    source = request.raw.pipe(decoder);
    request.raw.on('error', (error) => decoder!.destroy(error));
    const decoded = headers['x-amz-decoded-content-length'];
    expectedLength = decoded === undefined ? undefined : Number(decoded);
  } else if (headers['content-length'] !== undefined) {
    expectedLength = Number(headers['content-length']);
  }

  const sha256: Hash | undefined =
    auth.payload.kind === 'sha256' ? createHash('sha256') : undefined;
  const checksums = declared.map((entry) => ({ entry, running: createChecksum(entry.algorithm) }));
  let received = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      received += chunk.length;
      sha256?.update(chunk);
      for (const { running } of checksums) running.update(chunk);
      callback(null, chunk);
    },
  });
  source.on('error', (error) => meter.destroy(error));
  const stream = source.pipe(meter);

  return {
    stream,
    verify: async () => {
      if (expectedLength !== undefined && received !== expectedLength)
        throw s3Errors.incompleteBody();
      if (sha256 !== undefined && auth.payload.kind === 'sha256') {
        if (sha256.digest('hex') !== auth.payload.expected) {
          throw new S3Error(
            'XAmzContentSHA256Mismatch',
            400,
            "The provided 'x-amz-content-sha256' header does not match what was computed.",
          );
        }
      }
      return verifyChecksums(checksums, decoder);
    },
  };
}

async function verifyChecksums(
  checksums: { entry: ReturnType<typeof expectedChecksums>[number]; running: RunningChecksum }[],
  decoder: AwsChunkedDecoder | undefined,
): Promise<Record<string, string>> {
  const verified: Record<string, string> = {};
  for (const { entry, running } of checksums) {
    const expected = entry.value ?? decoder?.trailers.get(entry.header);
    if (expected === undefined) {
      throw s3Errors.invalidRequest(
        `The trailing checksum ${entry.header} was declared but not sent.`,
      );
    }
    if ((await running.digestBase64()) !== expected) throw s3Errors.badDigest(entry.header);
    if (entry.algorithm !== 'md5') verified[entry.header.toLowerCase()] = expected;
  }
  return verified;
}
