import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComposeProjectFiles } from './compose-cli.js';

const USER_FILE = 'compose.yaml';
const OVERRIDE_FILE = 'lyceum-override.yaml';

const PROJECT_PREFIX = 'lyceum-';

/** Returns the Compose project name of a run: unique per run, and valid for Compose v1 and v2. */
export function composeProjectName(runId: string): string {
  return `${PROJECT_PREFIX}${runId.toLowerCase()}`;
}

/** Tells whether a Compose project name is that of a run, made by composeProjectName. */
export function isRunProjectName(name: string): boolean {
  return name.startsWith(`${PROJECT_PREFIX}run_`);
}

/**
 * The working files of one Compose run: a folder named after the run in the server's Compose
 * folder, with the user's file as it came and the generated override beside it.
 */
export class ComposeProject implements ComposeProjectFiles {
  readonly name: string;
  readonly directory: string;
  readonly files: string[];

  constructor(
    workDir: string,
    readonly runId: string,
  ) {
    this.name = composeProjectName(runId);
    this.directory = join(workDir, runId);
    this.files = [join(this.directory, USER_FILE), join(this.directory, OVERRIDE_FILE)];
  }

  /** Writes both files, replacing what an earlier server process wrote for the same run. */
  static async write(
    workDir: string,
    runId: string,
    composeFile: string,
    overrideFile: string,
  ): Promise<ComposeProject> {
    const project = new ComposeProject(workDir, runId);
    await mkdir(project.directory, { recursive: true, mode: 0o700 });
    const [userPath = '', overridePath = ''] = project.files;
    await writeFile(userPath, composeFile, { mode: 0o600 });
    await writeFile(overridePath, overrideFile, { mode: 0o600 });
    return project;
  }

  /** Lists the run ids that have working files in `workDir`. */
  static async listRunIds(workDir: string): Promise<string[]> {
    const entries = await readdir(workDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  }

  async remove(): Promise<void> {
    await rm(this.directory, { recursive: true, force: true });
  }
}
