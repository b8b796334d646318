import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { s3Errors } from '../s3-error.js';
import { sha256Hex } from './canonical-request.js';
import { scopeString, signString, type CredentialScope } from './signing-key.js';

const EMPTY_SHA256 = sha256Hex('');
const MAX_LINE_BYTES = 4096;
/** The trailing headers of one body at most; clients send one checksum and a signature. */
const MAX_TRAILER_BYTES = 16 * 1024;

/** The signing context that chunk signatures chain from. */
export interface ChunkSigning {
  signingKey: Buffer;
  scope: CredentialScope;
  amzDate: string;
  seedSignature: string;
}

type State = 'size' | 'data' | 'data-end' | 'trailers' | 'done';

/**
 * Decodes an `aws-chunked` body into the object's bytes. With `signing`, every chunk signature is
 * checked against the chain that starts at the request's own signature, and so is the trailer
 * signature. Trailing headers (such as x-amz-checksum-crc32) are collected in `trailers`.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers = new Map<string, string>();
  private state: State = 'size';
  private pending = Buffer.alloc(0);
  private remaining = 0;
  private chunkSignature: string | undefined;
  private chunkHash: Hash | undefined;
  private previousSignature: string;
  private trailerText = '';
  private trailerSignature: string | undefined;
  private trailerBytes = 0;

  constructor(
    private readonly signing: ChunkSigning | undefined,
    private readonly expectTrailer: boolean,
  ) {
    super();
    this.previousSignature = signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== 'done') {
      callback(s3Errors.incompleteBody());
      return;
    }
    callback();
  }

  private consume(input: Buffer): void {
    let buffer = this.pending.length === 0 ? input : Buffer.concat([this.pending, input]);
    this.pending = Buffer.alloc(0);
    while (buffer.length > 0 && this.state !== 'done') {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, buffer.length);
        const data = buffer.subarray(0, take);
        this.chunkHash?.update(data);
        this.push(data);
        this.remaining -= take;
        buffer = buffer.subarray(take);
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      const lineEnd = buffer.indexOf('\r\n');
      if (lineEnd === -1) {
        if (buffer.length > MAX_LINE_BYTES)
          throw s3Errors.invalidRequest('A chunk header is too long.');
        this.pending = Buffer.from(buffer);
        return;
      }
      const line = buffer.subarray(0, lineEnd).toString('latin1');
      buffer = buffer.subarray(lineEnd + 2);
      this.handleLine(line);
    }
    if (buffer.length > 0 && this.state === 'done') {
      throw s3Errors.invalidRequest('Unexpected data after the last aws-chunked chunk.');
    }
  }

  private handleLine(line: string): void {
    switch (this.state) {
      case 'size':
        this.startChunk(line);
        return;
      case 'data-end':
        if (line !== '') throw s3Errors.invalidRequest('A chunk is longer than its declared size.');
        this.endChunk();
        this.state = 'size';
        return;
      case 'trailers':
        this.handleTrailer(line);
        return;
      default:
        return;
    }
  }

  private startChunk(line: string): void {
    const [sizeText, ...extensions] = line.split(';');
    const size = Number.parseInt(sizeText!.trim(), 16);
    if (!/^[0-9a-fA-F]+$/.test(sizeText!.trim()) || !Number.isSafeInteger(size)) {
      throw s3Errors.invalidRequest(`Malformed aws-chunked chunk header "${line.slice(0, 80)}".`);
    }
    this.chunkSignature = extensions
      .map((extension) => extension.trim())
      .find((extension) => extension.startsWith('chunk-signature='))
      ?.slice('chunk-signature='.length);
    if (this.signing !== undefined && this.chunkSignature === undefined) {
      throw s3Errors.signatureDoesNotMatch();
    }
    this.chunkHash = this.signing === undefined ? undefined : createHash('sha256');
    if (size === 0) {
      this.endChunk();
      // Without a trailer the last chunk is followed by an empty line only, which ends the
      // trailer section just the same.
      this.state = 'trailers';
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  private endChunk(): void {
    if (this.signing === undefined) return;
    const { signingKey, scope, amzDate } = this.signing;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      amzDate,
      scopeString(scope),
      this.previousSignature,
      EMPTY_SHA256,
      this.chunkHash!.digest('hex'),
    ].join('\n');
    const expected = signString(signingKey, stringToSign);
    if (expected !== this.chunkSignature) throw s3Errors.signatureDoesNotMatch();
    this.previousSignature = expected;
  }

  /** Reads trailing headers after the last chunk; an empty line ends the body. */
  private handleTrailer(line: string): void {
    this.trailerBytes += line.length + 2;
    if (this.trailerBytes > MAX_TRAILER_BYTES) {
      throw s3Errors.invalidRequest(
        `The trailing headers are longer than ${MAX_TRAILER_BYTES} bytes.`,
      );
    }
    if (line === '') {
      this.verifyTrailerSignature();
      this.state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon === -1)
      throw s3Errors.invalidRequest(`Malformed trailing header "${line.slice(0, 80)}".`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.trailerSignature = value;
      return;
    }
    this.trailers.set(name, value);
    this.trailerText += `${name}:${value}\n`;
  }

  private verifyTrailerSignature(): void {
    if (this.signing === undefined || !this.expectTrailer) return;
    const { signingKey, scope, amzDate } = this.signing;
    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      amzDate,
      scopeString(scope),
      this.previousSignature,
      sha256Hex(this.trailerText),
    ].join('\n');
    if (signString(signingKey, stringToSign) !== this.trailerSignature) {
      throw s3Errors.signatureDoesNotMatch();
    }
  }
}
