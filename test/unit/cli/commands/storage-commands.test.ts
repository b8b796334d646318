import { describe, expect, it } from 'vitest';
import { fileKey } from '../../../../src/cli/commands/storage-commands.js';

describe('fileKey', () => {
  it('defaults to the file name', () => {
    expect(fileKey('inputs/data.csv', undefined)).toBe('data.csv');
  });

  it('keeps a key as given', () => {
    expect(fileKey('inputs/data.csv', 'in/renamed.csv')).toBe('in/renamed.csv');
  });

  it('appends the file name to a folder key', () => {
    expect(fileKey('inputs/data.csv', 'data/')).toBe('data/data.csv');
  });

  it('appends the file name to a nested folder key', () => {
    expect(fileKey('/tmp/x/report.pdf', 'a/b/')).toBe('a/b/report.pdf');
  });

  it('keeps a double slash as given', () => {
    expect(fileKey('data.csv', 'data//')).toBe('data//data.csv');
  });
});
