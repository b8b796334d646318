import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary folder for one benchmark: `data/` is the server's data directory and `files/` contains
 * the baseline's files. Both sit under one folder, so the baseline and the server use the same
 * disk. The folder is created under the system temporary folder, which TMPDIR moves.
 */
export class TempWorkspace {
  constructor(root) {
    this.root = root;
    this.dataDir = join(root, 'data');
    this.filesDir = join(root, 'files');
  }

  static async create(name) {
    const root = await mkdtemp(join(tmpdir(), `lyceum-bench-${name}-`));
    const workspace = new TempWorkspace(root);
    await mkdir(workspace.dataDir, { mode: 0o700 });
    await mkdir(workspace.filesDir);
    return workspace;
  }

  async remove() {
    await rm(this.root, { recursive: true, force: true });
  }
}
