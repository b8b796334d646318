import { Command, CommanderError } from 'commander';
import { LyceumError } from '../errors/index.js';
import { createCliContext, type CliContext } from './cli-context.js';
import { registerAccountsCommands } from './commands/accounts-commands.js';
import { registerAuthCommands } from './commands/auth-commands.js';
import { registerComposeCommands } from './commands/compose-commands.js';
import { registerDockerCommands } from './commands/docker-commands.js';
import { registerPythonCommands } from './commands/python-commands.js';
import { registerServerCommand } from './commands/server-command.js';
import { registerStorageCommands } from './commands/storage-commands.js';
import { registerWorkloadsCommands } from './commands/workloads-commands.js';
import { signalExitCode } from './download-output.js';
import { separateRunArguments } from './run-arguments.js';

const USAGE_EXIT_CODE = 2;

export function buildProgram(context: CliContext): Command {
  const program = new Command('lyceum')
    .description('Run containers next to your data: a self-hosted run orchestrator with S3 storage')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerServerCommand(program, context);
  registerAuthCommands(program, context);
  registerStorageCommands(program, context);
  registerDockerCommands(program, context);
  registerPythonCommands(program, context);
  registerComposeCommands(program, context);
  registerWorkloadsCommands(program, context);
  registerAccountsCommands(program, context);
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

/** Runs the CLI and returns its exit code; the one place that turns errors into exit codes. */
export async function main(argv: string[] = process.argv): Promise<number> {
  process.stdout.on('error', exitOnStdoutError);
  const context = createCliContext();
  const program = buildProgram(context);
  try {
    await program.parseAsync(separateRunArguments(program, argv));
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version end with code 0; every other commander error is a usage error.
      return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    }
    if (error instanceof LyceumError) {
      context.stderr.write(`Error: ${error.message}\n`);
      return error.exitCode;
    }
    context.stderr.write(
      `Unexpected error, please report it with the command you ran:\n${(error as Error).stack ?? String(error)}\n`,
    );
    return 1;
  }
}

/**
 * Ends the CLI when its output cannot be written: quietly with 141 for a closed pipe, as `cat`
 * does, and with a message for anything else, such as a full disk. A command that watches stdout
 * itself, as one that follows a run does, handles the error instead.
 */
function exitOnStdoutError(error: NodeJS.ErrnoException): void {
  if (process.stdout.listenerCount('error') > 1) return;
  if (error.code === 'EPIPE') process.exit(signalExitCode('SIGPIPE'));
  process.stderr.write(
    `Error: Writing to stdout failed (${error.message}); check where stdout goes, such as free ` +
      'space on its disk.\n',
  );
  process.exit(1);
}

function* allCommands(command: Command): Generator<Command> {
  for (const child of command.commands) {
    yield child;
    yield* allCommands(child);
  }
}
