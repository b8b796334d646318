import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import { ApiError } from '../api-client.js';
import type { CliContext } from '../cli-context.js';
import { attachToRun } from '../attach-to-run.js';
import { withDockerFlagHint } from '../docker-flag-hints.js';
import { waitForStart } from '../wait-for-start.js';
import { parsePullPolicy, parseTimeout } from '../run-options.js';

interface DockerRunOptions {
  command?: string;
  env: string[];
  s3?: boolean;
  s3MountPath?: string;
  timeout?: string;
  detach?: boolean;
  pull?: string;
}

interface StartReply {
  execution_id: string;
  status: string;
  streaming_url: string;
}

/** `lyceum docker run` and `lyceum docker logs`. */
export function registerDockerCommands(program: Command, context: CliContext): void {
  const docker = program.command('docker').description('Run containers');

  docker
    .command('run')
    .description('Run a container with your bucket at /mnt/s3; exits with its exit code')
    .argument('<image>', 'the image, for example python:3.12-slim')
    .argument(
      '[command...]',
      "the command and its arguments, replacing the image CMD; lyceum's options go before it",
    )
    .option('-c, --command <cmd>', 'a shell command, run as sh -c CMD')
    .option('-e, --env <KEY=VALUE>', 'set a variable; KEY alone copies it from here', collect, [])
    .option('--no-s3', 'do not mount the bucket')
    .option('--s3-mount-path <path>', 'mount the bucket here instead of /mnt/s3')
    .option('-t, --timeout <seconds>', 'stop the run after this many seconds')
    .option('-d, --detach', 'print the execution id and return once the run has started')
    .option('--pull <policy>', 'image pull policy: never, missing or always')
    .configureOutput({ outputError: (text, write) => write(withDockerFlagHint(text)) })
    .action(async (image: string, argv: string[], options: DockerRunOptions) => {
      const body = dockerStartBody(image, argv, options, context.env);
      const reply = await context
        .client()
        .postJson<StartReply>('/execution/image/start', body)
        .catch((error: unknown) => {
          // The API names its fields; on the command line the image is the IMAGE argument.
          if (!(error instanceof ApiError)) throw error;
          throw new ApiError(error.status, error.message.replace(/\bdocker_image_ref\b/g, 'Image'));
        });
      if (options.detach) {
        context.stdout.write(`${reply.execution_id}\n`);
        process.exitCode = await waitForStart(context, reply.execution_id);
        return;
      }
      process.exitCode = await attachToRun(context, reply.execution_id, { abortOnInterrupt: true });
    });

  docker
    .command('logs')
    .description("Print a run's output, following it while it runs")
    .argument('<id>', 'the execution id')
    .action(async (id: string) => {
      process.exitCode = await attachToRun(context, id, { abortOnInterrupt: false });
    });
}

/** Turns the command line into the body of POST /execution/image/start. */
export function dockerStartBody(
  image: string,
  argv: string[],
  options: DockerRunOptions,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  if (options.command !== undefined && argv.length > 0) {
    throw new InvalidInputError('Give either -c "CMD" or a command after the image, not both.');
  }
  if (options.s3 === false && options.s3MountPath !== undefined) {
    throw new InvalidInputError(
      '--no-s3 and --s3-mount-path contradict each other; drop one of them.',
    );
  }
  const command =
    options.command !== undefined
      ? ['sh', '-c', options.command]
      : argv.length > 0
        ? argv
        : undefined;
  const body: Record<string, unknown> = {
    docker_image_ref: image,
    // An object keeps values with newlines whole, which KEY=value lines cannot.
    docker_run_env: Object.fromEntries(
      options.env.map((entry) => {
        const expanded = expandEnv(entry, env);
        const equals = expanded.indexOf('=');
        return [expanded.slice(0, equals), expanded.slice(equals + 1)];
      }),
    ),
    enable_s3_mount: options.s3 !== false,
  };
  if (command !== undefined) body.docker_run_cmd = command;
  if (options.s3MountPath !== undefined) body.s3_mount_path = options.s3MountPath;
  if (options.timeout !== undefined) body.timeout = parseTimeout(options.timeout);
  if (options.pull !== undefined) body.pull_policy = parsePullPolicy(options.pull);
  return body;
}

function expandEnv(entry: string, env: NodeJS.ProcessEnv): string {
  if (entry.includes('=')) return entry;
  const value = env[entry];
  if (value === undefined) {
    throw new InvalidInputError(
      `-e ${entry} copies ${entry} from your environment, but it is not set; give -e ${entry}=VALUE.`,
    );
  }
  return `${entry}=${value}`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
