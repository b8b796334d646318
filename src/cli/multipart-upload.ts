import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

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
): { body: ReadableStream<Uint8Array>; contentType: string; contentLength: number } {
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
  const crlf = Buffer.from('\r\n');
  const contentLength =
    fieldParts.reduce((sum, part) => sum + part.length, 0) +
    fileHeaders.reduce((sum, header) => sum + header.length, 0) +
    files.reduce((sum, file) => sum + file.size + crlf.length, 0) +
    closing.length;

  async function* generate(): AsyncGenerator<Buffer> {
    for (const part of fieldParts) yield part;
    for (const [index, file] of files.entries()) {
      yield fileHeaders[index]!;
      for await (const chunk of createReadStream(file.path, { highWaterMark: 1024 * 1024 })) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
      yield crlf;
    }
    yield closing;
  }

  return {
    body: Readable.toWeb(Readable.from(generate())) as ReadableStream<Uint8Array>,
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength,
  };
}

function escapeQuoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '%22').replace(/\r|\n/g, ' ');
}
