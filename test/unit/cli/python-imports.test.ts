import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLocalImports } from '../../../src/cli/python-imports.js';

describe('findLocalImports', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'lyceum-imports-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function write(path: string, text: string): Promise<void> {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }

  it('follows imports of local modules and packages', async () => {
    await write('main.py', 'import os, helper\nfrom tools.text import shout\nimport numpy as np\n');
    await write('helper.py', 'VALUE = 1\n');
    await write('tools/__init__.py', '');
    await write('tools/text.py', 'from .case import upper\n');
    await write('tools/case.py', 'def upper(x):\n    return x\n');
    await write('unused.py', 'X = 1\n');
    const files = findLocalImports(join(root, 'main.py'));
    expect(Object.keys(files).sort()).toEqual([
      'helper.py',
      'tools/__init__.py',
      'tools/case.py',
      'tools/text.py',
    ]);
    expect(files['helper.py']).toBe('VALUE = 1\n');
  });

  it('reads each import statement on its own line', async () => {
    await write('main.py', 'import sys\nfrom helper import thing\n');
    await write('helper.py', 'thing = 1\n');
    expect(Object.keys(findLocalImports(join(root, 'main.py')))).toEqual(['helper.py']);
  });

  it('reads import statements after a semicolon', async () => {
    await write('main.py', 'import helper; from tools.text import shout\n');
    await write('helper.py', 'VALUE = 1\n');
    await write('tools/__init__.py', '');
    await write('tools/text.py', 'def shout(x):\n    return x\n');
    expect(Object.keys(findLocalImports(join(root, 'main.py'))).sort()).toEqual([
      'helper.py',
      'tools/__init__.py',
      'tools/text.py',
    ]);
  });

  it('finds submodules named in from-imports', async () => {
    await write('main.py', 'from pkg import sub\n');
    await write('pkg/__init__.py', '');
    await write('pkg/sub.py', 'X = 1\n');
    expect(Object.keys(findLocalImports(join(root, 'main.py'))).sort()).toEqual([
      'pkg/__init__.py',
      'pkg/sub.py',
    ]);
  });

  it('sends nothing for a script without local imports', async () => {
    await write('main.py', 'import json\nprint(json.dumps(1))\n');
    expect(findLocalImports(join(root, 'main.py'))).toEqual({});
  });
});
