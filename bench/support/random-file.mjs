import { Buffer } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Writes `sizeBytes` random bytes to a new file, fsyncs it, and returns its SHA-256 in hex. */
export async function writeRandomFile(path, sizeBytes) {
  const hash = createHash('sha256');
  const chunk = Buffer.alloc(CHUNK_BYTES);
  const handle = await open(path, 'wx');
  try {
    for (let written = 0; written < sizeBytes;) {
      const length = Math.min(CHUNK_BYTES, sizeBytes - written);
      randomFillSync(chunk, 0, length);
      hash.update(chunk.subarray(0, length));
      await handle.write(chunk, 0, length);
      written += length;
    }
    // The flush would otherwise land in the first timed measurement.
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Returns the SHA-256 of a file's content in hex. */
export async function sha256OfFile(path) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}
