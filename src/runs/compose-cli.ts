import { existsSync } from 'node:fs';
import { execa, type ExecaError } from 'execa';
import { SystemFailureError } from '../errors/index.js';

/** A Compose project on disk: its name and its files, the user's first and the override last. */
export interface ComposeProjectFiles {
  name: string;
  directory: string;
  files: string[];
}

/** The Compose commands a run uses; the installed Compose implements it, unit tests fake it. */
export interface ComposeCli {
  /** `docker compose` or `docker-compose`, with the version, for logs and messages. */
  readonly description: string;
  /**
   * Creates and starts the project's containers in the background (`up --detach`). Aborting
   * `signal` ends the command.
   */
  up(project: ComposeProjectFiles, signal?: AbortSignal): Promise<void>;
  /** Returns Compose's complaint about the project's files (`config --quiet`), or undefined. */
  findFileProblem(project: ComposeProjectFiles): Promise<string | undefined>;
  /** Removes the project's containers, networks and volumes (`down --volumes`). */
  down(project: ComposeProjectFiles, graceSeconds: number): Promise<void>;
}

/** Lines of Compose's output kept in an error message. */
const OUTPUT_LINES_IN_ERRORS = 20;

/** Compose run through execa, as `docker compose` (v2) or `docker-compose` (v1). */
export class ExecaComposeCli implements ComposeCli {
  readonly description: string;

  constructor(
    private readonly command: readonly string[],
    readonly version: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {
    this.description = `${command.join(' ')} ${version}`;
  }

  get isV1(): boolean {
    return this.command[0] === 'docker-compose';
  }

  async up(project: ComposeProjectFiles, signal?: AbortSignal): Promise<void> {
    // The server applies the pull policy before this. Compose v1 has no --pull option and
    // ignores pull_policy, so it relies on the images being present by then.
    const pull = this.isV1 ? [] : ['--pull', 'never'];
    await this.run(project, ['up', '--detach', '--no-build', ...pull], signal);
  }

  async findFileProblem(project: ComposeProjectFiles): Promise<string | undefined> {
    try {
      await this.run(project, ['config', '--quiet']);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  }

  async down(project: ComposeProjectFiles, graceSeconds: number): Promise<void> {
    const timeout = String(Math.ceil(graceSeconds));
    const args = ['down', '--volumes', '--remove-orphans', '--timeout', timeout];
    // Compose v2 finds a project's containers, networks and volumes by its labels, so it can
    // take a project down whose files are gone. Compose v1 needs the files.
    const byLabels = { name: project.name, directory: '/', files: [] };
    const filesGone = !project.files.every((path) => existsSync(path));
    if (filesGone && !this.isV1) {
      await this.run(byLabels, args);
      return;
    }
    try {
      await this.run(project, args);
    } catch (error) {
      // A file that Compose rejects, as one whose `up` failed on it, cannot take its project
      // down either, so Compose v2 then goes by the labels alone.
      if (this.isV1) throw error;
      await this.run(byLabels, args);
    }
  }

  private async run(
    project: ComposeProjectFiles,
    args: string[],
    signal?: AbortSignal,
  ): Promise<void> {
    const [file = 'docker', ...leading] = this.command;
    const projectArgs = ['--ansi', 'never', '--project-name', project.name];
    for (const path of project.files) projectArgs.push('--file', path);
    try {
      await execa(file, [...leading, ...projectArgs, ...args], {
        cwd: project.directory,
        env: this.env,
        extendEnv: false,
        stdin: 'ignore',
        all: true,
        ...(signal === undefined ? {} : { cancelSignal: signal }),
      });
    } catch (error) {
      throw new SystemFailureError(
        `"${this.command.join(' ')} ${args[0]}" failed for Compose project ${project.name}` +
          `${describeFailure(error as ExecaError)}`,
        { cause: error },
      );
    }
  }
}

function describeFailure(error: ExecaError): string {
  const output = String(error.all ?? '')
    .trim()
    .split('\n')
    .slice(-OUTPUT_LINES_IN_ERRORS)
    .join('\n');
  const status = error.exitCode === undefined ? error.shortMessage : `exit code ${error.exitCode}`;
  return output === '' ? ` (${status}).` : ` (${status}):\n${output}`;
}
