#!/usr/bin/env node
// Bundles the compiled CLI into dist/bundle, so `lyceum` loads a few files instead of a hundred
// modules; each command starts about 20 ms sooner. The server and other rarely used parts stay in
// chunks that load on demand, and npm packages other than commander load from node_modules.
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const manifest = JSON.parse(await readFile(resolve(root, 'package.json'), 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => name !== 'commander');
const outdir = resolve(root, 'dist/bundle');

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [resolve(root, 'dist/cli/main.js')],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // commander is CommonJS; inside an ES module bundle its require calls need a real require.
  banner: {
    js: "import { createRequire as lyceumCreateRequire } from 'node:module';\nconst require = lyceumCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
