import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

// Spaces and tabs only inside a statement, so one match never runs into the next line. A
// statement starts a line or follows a ";", as in `import os; import helper`.
const IMPORT_LINE =
  /(?:^|;)[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([\w*, \t()]+)|import[ \t]+([\w., \t]+))/gm;

/**
 * Finds the local modules a script imports from its own project, as Lyceum's CLI does: every
 * `import x` or `from x import y` that names a `.py` file or package next to the script (or inside
 * its folder tree), followed to their own imports. Returns their text by path relative to the
 * script's folder. Modules that are not files of the project (the standard library, installed
 * packages) are left out.
 */
export function findLocalImports(scriptPath: string): Record<string, string> {
  const root = dirname(scriptPath);
  const found: Record<string, string> = {};
  const queue = [scriptPath];
  const seen = new Set<string>([scriptPath]);

  while (queue.length > 0) {
    const current = queue.shift()!;
    for (const module of importedModules(readFileSync(current, 'utf8'), dirname(current), root)) {
      for (const file of moduleFiles(root, module)) {
        if (seen.has(file)) continue;
        seen.add(file);
        found[relative(root, file).split(sep).join('/')] = readFileSync(file, 'utf8');
        queue.push(file);
      }
    }
  }
  return found;
}

/** Lists module paths (relative to `root`, dotted) that a source file imports. */
function importedModules(source: string, folder: string, root: string): string[] {
  const modules: string[] = [];
  for (const match of source.matchAll(IMPORT_LINE)) {
    const [, dots, fromModule, names, importList] = match;
    if (importList !== undefined) {
      for (const name of importList.split(',')) {
        const module = name.trim().split(/\s+/)[0];
        if (module) modules.push(module);
      }
      continue;
    }
    // A relative import starts from the importing file's package folder.
    const base =
      dots && dots.length > 0
        ? relative(root, join(folder, ...Array(dots.length - 1).fill('..')))
            .split(sep)
            .filter((part) => part !== '')
        : [];
    const prefix = [...base, ...(fromModule ? fromModule.split('.') : [])];
    if (prefix.length > 0) modules.push(prefix.join('.'));
    // `from package import module` may name submodules.
    for (const name of (names ?? '').replace(/[()]/g, '').split(',')) {
      const imported = name.trim().split(/\s+/)[0];
      if (imported && imported !== '*') modules.push([...prefix, imported].join('.'));
    }
  }
  return modules;
}

/** Lists the files of a dotted module inside `root`: the module itself and its packages' __init__.py. */
function moduleFiles(root: string, module: string): string[] {
  const parts = module.split('.');
  const files: string[] = [];
  for (let depth = 1; depth <= parts.length; depth++) {
    const packageInit = join(root, ...parts.slice(0, depth), '__init__.py');
    if (existsSync(packageInit)) files.push(packageInit);
  }
  const moduleFile = join(root, ...parts) + '.py';
  if (existsSync(moduleFile) && statSync(moduleFile).isFile()) files.push(moduleFile);
  return files;
}
