import { createHash } from 'node:crypto';

const CHUNK_BYTES = 1024 * 1024;

/** A file open for reading at given positions, as FileHandle and ObjectFile are. */
export interface PositionalReader {
  read(
    buffer: Buffer,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
}

/**
 * Computes the MD5 of an open file's first `length` bytes (fewer when the file is shorter), as S3
 * uses it for a single-part ETag.
 */
export async function md5OfFile(handle: PositionalReader, length: number): Promise<string> {
  const hash = createHash('md5');
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(length, 1)));
  let position = 0;
  while (position < length) {
    const chunkLength = Math.min(buffer.length, length - position);
    const { bytesRead } = await handle.read(buffer, 0, chunkLength, position);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return hash.digest('hex');
}
