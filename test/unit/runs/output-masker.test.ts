import { describe, expect, it } from 'vitest';
import { OutputMasker } from '../../../src/runs/output-masker.js';

function run(masker: OutputMasker, chunks: string[]): string {
  const parts = chunks.map((chunk) => masker.push(Buffer.from(chunk)).toString());
  return parts.join('') + masker.flush().toString();
}

describe('OutputMasker', () => {
  it('masks a secret inside one chunk', () => {
    expect(run(new OutputMasker(['s3cr3t']), ['key=s3cr3t\n'])).toBe('key=********\n');
  });

  it('masks a secret split across chunks', () => {
    expect(run(new OutputMasker(['s3cr3t']), ['key=s3', 'cr', '3t done'])).toBe(
      'key=******** done',
    );
  });

  it('masks every occurrence of several secrets', () => {
    expect(run(new OutputMasker(['aaa', 'bbb']), ['aaa bbb aaa'])).toBe(
      '******** ******** ********',
    );
  });

  it('passes output that cannot start a secret at once', () => {
    const masker = new OutputMasker(['s3cr3t']);
    expect(masker.push(Buffer.from('hello\n')).toString()).toBe('hello\n');
  });

  it('holds back a possible start of a secret', () => {
    const masker = new OutputMasker(['s3cr3t']);
    expect(masker.push(Buffer.from('value s3c')).toString()).toBe('value ');
    expect(masker.push(Buffer.from('ond')).toString()).toBe('s3cond');
  });

  it('releases a held start at the end', () => {
    const masker = new OutputMasker(['s3cr3t']);
    expect(masker.push(Buffer.from('ends with s3')).toString()).toBe('ends with ');
    expect(masker.flush().toString()).toBe('s3');
  });

  it('ignores empty secrets', () => {
    expect(run(new OutputMasker(['']), ['plain'])).toBe('plain');
  });
});
