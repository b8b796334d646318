import { describe, expect, it } from 'vitest';
import { ServiceOutput } from '../../../src/runs/service-output.js';

function collector() {
  const chunks: string[] = [];
  return { chunks, sink: { append: (chunk: Buffer) => chunks.push(chunk.toString('utf8')) } };
}

describe('ServiceOutput', () => {
  it('prefixes each line with the padded label', () => {
    const { chunks, sink } = collector();
    const output = new ServiceOutput(sink, ['web', 'database']);
    output.stream('web').write(Buffer.from('one\ntwo\n'));
    output.stream('database').write(Buffer.from('ready\n'));
    expect(chunks).toEqual(['web      | one\n', 'web      | two\n', 'database | ready\n']);
  });

  it('joins lines split across chunks', () => {
    const { chunks, sink } = collector();
    const stream = new ServiceOutput(sink, ['a']).stream('a');
    stream.write(Buffer.from('hel'));
    stream.write(Buffer.from('lo\nwor'));
    expect(chunks).toEqual(['a | hello\n']);
    stream.write(Buffer.from('ld\n'));
    expect(chunks).toEqual(['a | hello\n', 'a | world\n']);
  });

  it('keeps lines of two services apart', () => {
    const { chunks, sink } = collector();
    const output = new ServiceOutput(sink, ['a', 'b']);
    const a = output.stream('a');
    const b = output.stream('b');
    a.write(Buffer.from('first half '));
    b.write(Buffer.from('b line\n'));
    a.write(Buffer.from('second half\n'));
    expect(chunks).toEqual(['b | b line\n', 'a | first half second half\n']);
  });

  it('writes a last line without newline at the end', () => {
    const { chunks, sink } = collector();
    const stream = new ServiceOutput(sink, ['a']).stream('a');
    stream.write(Buffer.from('no newline'));
    expect(chunks).toEqual([]);
    stream.end();
    expect(chunks).toEqual(['a | no newline\n']);
    stream.end();
    expect(chunks).toHaveLength(1);
  });

  it('keeps multi-byte characters split across chunks', () => {
    const { chunks, sink } = collector();
    const stream = new ServiceOutput(sink, ['a']).stream('a');
    const text = Buffer.from('grüße\n');
    stream.write(text.subarray(0, 3));
    stream.write(text.subarray(3));
    expect(chunks).toEqual(['a | grüße\n']);
  });

  it('writes empty lines', () => {
    const { chunks, sink } = collector();
    new ServiceOutput(sink, ['a']).stream('a').write(Buffer.from('\n\n'));
    expect(chunks).toEqual(['a | \n', 'a | \n']);
  });
});
