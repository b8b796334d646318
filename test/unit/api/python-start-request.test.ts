import { describe, expect, it } from 'vitest';
import { toPythonRunSpec } from '../../../src/api/python-start-request.js';
import { resolveServerConfig } from '../../../src/config/server-config.js';
import { UnprocessableInputError } from '../../../src/errors/index.js';

const config = resolveServerConfig({}, {});

describe('toPythonRunSpec', () => {
  it('fills in the defaults', () => {
    const spec = toPythonRunSpec({ code: 'print(1)' }, config);
    expect(spec).toMatchObject({
      kind: 'python',
      fileName: 'main.py',
      importFiles: {},
      requirements: undefined,
      args: [],
      image: 'python:3.12-slim',
      timeoutSeconds: 3600,
      pullPolicy: 'missing',
    });
  });

  it('reads import_files as a JSON string', () => {
    const spec = toPythonRunSpec(
      { code: 'import a', import_files: JSON.stringify({ 'a.py': 'X = 1', 'pkg/b.py': '' }) },
      config,
    );
    expect(spec.importFiles).toEqual({ 'a.py': 'X = 1', 'pkg/b.py': '' });
  });

  it.each([
    [{ code: '   ' }, 'code is empty'],
    [{ code: 'x', import_files: '{not json' }, 'not valid JSON'],
    [{ code: 'x', import_files: { '../escape.py': '' } }, 'is invalid'],
    [{ code: 'x', import_files: { '/abs.py': '' } }, 'is invalid'],
    [{ code: 'x', file_name: 'a/./b.py' }, 'is invalid'],
    [{ code: 'x', image: 'Bad Image' }, 'not a valid image reference'],
    [{ code: 'x', timeout: 0 }, '1 to 86400'],
    [{ code: 'x', import_files: { [`${'d/'.repeat(16)}a.py`]: '' } }, 'is too long'],
    [{ code: 'x', import_files: { [`${'x'.repeat(1100)}.py`]: '' } }, 'is too long'],
    [{ code: 'x', import_files: { [`p/${'x'.repeat(256)}.py`]: '' } }, 'is too long'],
    [{ code: 'x', import_files: { [`${'x'.repeat(1100)}.py`]: '' } }, '... (1103 characters)'],
  ])('rejects %j', (body, words) => {
    expect(() => toPythonRunSpec(body, config)).toThrow(UnprocessableInputError);
    expect(() => toPythonRunSpec(body, config)).toThrow(words);
  });

  it('rejects more than 1000 import files', () => {
    const files = Object.fromEntries(
      Array.from({ length: 1001 }, (_, index) => [`m${index}.py`, '']),
    );
    const body = { code: 'x', import_files: files };
    expect(() => toPythonRunSpec(body, config)).toThrow('1001 files, over the limit of 1000');
  });

  it('rejects import files across more than 1000 folders', () => {
    const files = Object.fromEntries(
      Array.from({ length: 101 }, (_, index) => [`p${index}/${'d/'.repeat(9)}m.py`, '']),
    );
    const body = { code: 'x', import_files: files };
    expect(() => toPythonRunSpec(body, config)).toThrow('spans 1010 folders');
  });
});
