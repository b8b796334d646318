import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { readSmallBody } from '../../../src/storage/small-body.js';

describe('readSmallBody', () => {
  it('returns the chunks of a body within the limit', async () => {
    const chunks = await readSmallBody(Readable.from([Buffer.from('ab'), Buffer.from('cd')]), 4);
    expect(Buffer.concat(chunks!).toString()).toBe('abcd');
  });

  it('returns no chunks for an empty body', async () => {
    expect(await readSmallBody(Readable.from([]), 4)).toEqual([]);
  });

  it('puts back a body over the limit', async () => {
    const body = Readable.from([Buffer.from('ab'), Buffer.from('cd'), Buffer.from('ef')]);
    expect(await readSmallBody(body, 3)).toBeUndefined();
    expect(await text(body)).toBe('abcdef');
  });

  it('rejects with the body error', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('ab'));
    setImmediate(() => body.destroy(new Error('connection reset')));
    await expect(readSmallBody(body, 10)).rejects.toThrow('connection reset');
  });

  it('rejects a body closed early', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('ab'));
    setImmediate(() => body.destroy());
    await expect(readSmallBody(body, 10)).rejects.toMatchObject({
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
  });
});
