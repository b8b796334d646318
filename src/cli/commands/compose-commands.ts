import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import { attachToRun } from '../attach-to-run.js';
import { shellVariablesInFile } from '../compose-variables.js';
import { waitForStart } from '../wait-for-start.js';
import type { CliContext } from '../cli-context.js';
import { parsePullPolicy, parseTimeout } from '../run-options.js';

interface ComposeRunOptions {
  enableS3Mount?: boolean;
  s3MountPath?: string;
  main?: string;
  timeout?: string;
  detach?: boolean;
  pull?: string;
}

interface StartReply {
  execution_id: string;
}

/** `lyceum compose run` and `lyceum compose logs`. */
export function registerComposeCommands(program: Command, context: CliContext): void {
  const compose = program.command('compose').description('Run Compose projects');

  compose
    .command('run')
    .description('Run a Compose file as a project on the server; exits with the run exit code')
    .argument('<file>', 'the Compose file, for example compose.yaml')
    .option('--enable-s3-mount', 'mount the bucket in every service, at /mnt/s3 by default')
    .option('--s3-mount-path <path>', 'mount the bucket here instead of /mnt/s3')
    .option('--main <service>', 'end the run when this service exits, with its exit code')
    .option('-t, --timeout <seconds>', 'stop the run after this many seconds')
    .option('-d, --detach', 'print the execution id and return once the run has started')
    .option('--pull <policy>', 'image pull policy: never, missing or always')
    .action(async (file: string, options: ComposeRunOptions) => {
      const text = await readComposeFile(file);
      if (text.trim() === '') {
        throw new InvalidInputError(
          `The Compose file ${JSON.stringify(file)} is empty; give a file with a services section.`,
        );
      }
      const fromShell = shellVariablesInFile(text, context.env);
      if (fromShell.length > 0) {
        context.stderr.write(
          `Note: the Compose file refers to ${fromShell.map((name) => `$${name}`).join(', ')}, ` +
            'which your shell sets, but Compose on the server does not see your environment, so ' +
            'each such reference gets its default or an empty value. Write the values into the ' +
            'file instead.\n',
        );
      }
      const body = composeStartBody(text, basename(file), options);
      const reply = await context.client().postJson<StartReply>('/execution/compose/start', body);
      if (options.detach) {
        context.stdout.write(`${reply.execution_id}\n`);
        process.exitCode = await waitForStart(context, reply.execution_id);
        return;
      }
      process.exitCode = await attachToRun(context, reply.execution_id, { abortOnInterrupt: true });
    });

  compose
    .command('logs')
    .description("Print a run's output, following it while it runs")
    .argument('<id>', 'the execution id')
    .action(async (id: string) => {
      process.exitCode = await attachToRun(context, id, { abortOnInterrupt: false });
    });
}

/** Turns the command line into the body of POST /execution/compose/start. */
export function composeStartBody(
  text: string,
  fileName: string,
  options: ComposeRunOptions,
): Record<string, unknown> {
  if (options.s3MountPath !== undefined && options.enableS3Mount !== true) {
    throw new InvalidInputError(
      '--s3-mount-path needs --enable-s3-mount, because Compose runs mount the bucket only on ' +
        'request; add --enable-s3-mount or drop the path.',
    );
  }
  const body: Record<string, unknown> = {
    compose_file_code: text,
    file_name: fileName,
    enable_s3_mount: options.enableS3Mount === true,
  };
  if (options.s3MountPath !== undefined) body.s3_mount_path = options.s3MountPath;
  if (options.main !== undefined) body.main_service = options.main;
  if (options.timeout !== undefined) body.timeout = parseTimeout(options.timeout);
  if (options.pull !== undefined) body.pull_policy = parsePullPolicy(options.pull);
  return body;
}

async function readComposeFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InvalidInputError(
      `Cannot read the Compose file ${JSON.stringify(path)} ` +
        `(${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check the path.`,
      { cause: error },
    );
  }
}
