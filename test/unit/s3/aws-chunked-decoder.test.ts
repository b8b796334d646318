import { describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../../../src/s3/sigv4/aws-chunked-decoder.js';
import { deriveSigningKey } from '../../../src/s3/sigv4/signing-key.js';

// The streaming upload example from the Amazon S3 SigV4 documentation: 66,560 bytes of "a" in
// chunks of 65,536 bytes, signed with the documentation's example credentials.
const scope = { date: '20130524', region: 'us-east-1', service: 's3' };
const signing = {
  signingKey: deriveSigningKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', scope),
  scope,
  amzDate: '20130524T000000Z',
  seedSignature: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
};
const chunkSignatures = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];

function signedBody(signatures = chunkSignatures): Buffer {
  const first = Buffer.alloc(65_536, 'a');
  const second = Buffer.alloc(1024, 'a');
  return Buffer.concat([
    Buffer.from(`10000;chunk-signature=${signatures[0]}\r\n`),
    first,
    Buffer.from(`\r\n400;chunk-signature=${signatures[1]}\r\n`),
    second,
    Buffer.from(`\r\n0;chunk-signature=${signatures[2]}\r\n\r\n`),
  ]);
}

async function decode(
  decoder: AwsChunkedDecoder,
  body: Buffer,
  pieceBytes = 7000,
): Promise<Buffer> {
  const output: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => output.push(chunk));
  const finished = new Promise<void>((resolve, reject) => {
    decoder.on('end', resolve);
    decoder.on('error', reject);
  });
  for (let offset = 0; offset < body.length; offset += pieceBytes) {
    decoder.write(body.subarray(offset, offset + pieceBytes));
  }
  decoder.end();
  await finished;
  return Buffer.concat(output);
}

describe('AwsChunkedDecoder', () => {
  it('accepts the documented signed example', async () => {
    const data = await decode(new AwsChunkedDecoder(signing, false), signedBody());
    expect(data.length).toBe(66_560);
    expect(data.every((byte) => byte === 0x61)).toBe(true);
  });

  it('rejects a changed chunk signature', async () => {
    const tampered = [...chunkSignatures];
    tampered[1] = tampered[1]!.replace(/^0/, '1');
    await expect(
      decode(new AwsChunkedDecoder(signing, false), signedBody(tampered)),
    ).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('rejects changed chunk data', async () => {
    const body = signedBody();
    body[200] = 0x62;
    await expect(decode(new AwsChunkedDecoder(signing, false), body)).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
  });

  it('rejects a body cut short', async () => {
    const body = signedBody().subarray(0, 30_000);
    await expect(decode(new AwsChunkedDecoder(signing, false), body)).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
  });

  it('reads unsigned chunks with a trailer', async () => {
    const body = Buffer.from(
      '5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n',
    );
    const decoder = new AwsChunkedDecoder(undefined, true);
    const data = await decode(decoder, body, 3);
    expect(data.toString()).toBe('hello world');
    expect(decoder.trailers.get('x-amz-checksum-crc32')).toBe('DUoRhQ==');
  });

  it('rejects a malformed chunk header', async () => {
    const body = Buffer.from('zz\r\nhello\r\n0\r\n\r\n');
    await expect(decode(new AwsChunkedDecoder(undefined, true), body)).rejects.toMatchObject({
      code: 'InvalidRequest',
    });
  });

  it('rejects trailing headers past their limit', async () => {
    const flood = Array.from({ length: 10 }, (_, index) => `x-${index}:${'a'.repeat(3000)}\r\n`);
    const body = Buffer.from(`5\r\nhello\r\n0\r\n${flood.join('')}\r\n`);
    await expect(decode(new AwsChunkedDecoder(undefined, true), body)).rejects.toMatchObject({
      code: 'InvalidRequest',
      message: 'The trailing headers are longer than 16384 bytes.',
    });
  });
});
