import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';

const READ_PIECE_BYTES = 4 * 1024 * 1024;
const CRLF = Buffer.from('\r\n');

export interface MultipartFilePart {
  field: string;
  fileName: string;
  path: string;
  size: number;
}

/**
 * Builds a streaming multipart/form-data body for one or more files on disk, with an exact
 * Content-Length, so a large upload never sits in memory. `onBytes` is called as file bytes are read.
 */
export function multipartBody(
  files: MultipartFilePart[],
  fields: Record<string, string>,
  onBytes: (count: number) => void = () => undefined,
): { body: Readable; contentType: string; contentLength: number } {
  const boundary = `----lyceum${randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(fields).map(([name, value]) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(name)}"\r\n\r\n${value}\r\n`,
    ),
  );
  const fileHeaders = files.map((file) =>
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${escapeQuoted(file.field)}"; ` +
        `filename="${escapeQuoted(file.fileName)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
  );
  const closing = Buffer.from(`--${boundary}--\r\n`);
  const contentLength =
    fieldParts.reduce((sum, part) => sum + part.length, 0) +
    fileHeaders.reduce((sum, header) => sum + header.length, 0) +
    files.reduce((sum, file) => sum + file.size + CRLF.length, 0) +
    closing.length;

  // Readable.from pulls the next piece only when the request has room for it, so at most a
  // few pieces of the file are in memory however large the file is.
  return {
    body: Readable.from(generate(files, fieldParts, fileHeaders, closing, onBytes), {
      objectMode: false,
      highWaterMark: READ_PIECE_BYTES,
    }),
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
  };
}

async function* generate(
  files: MultipartFilePart[],
  fieldParts: Buffer[],
  fileHeaders: Buffer[],
  closing: Buffer,
  onBytes: (count: number) => void,
): AsyncGenerator<Uint8Array> {
  for (const part of fieldParts) yield part;
  for (const [index, file] of files.entries()) {
    yield fileHeaders[index]!;
    const handle = await open(file.path, 'r');
    try {
      for (;;) {
        const buffer = Buffer.allocUnsafe(READ_PIECE_BYTES);
        const { bytesRead } = await handle.read(buffer, 0, READ_PIECE_BYTES, null);
        if (bytesRead === 0) break;
        onBytes(bytesRead);
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
    yield CRLF;
  }
  yield closing;
}

function escapeQuoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '%22').replace(/\r|\n/g, ' ');
}
