import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import { attachToRun } from '../attach-to-run.js';
import { waitForStart } from '../wait-for-start.js';
import type { CliContext } from '../cli-context.js';
import { findLocalImports } from '../python-imports.js';
import { parsePullPolicy, parseTimeout } from '../run-options.js';

interface PythonRunOptions {
  requirements?: string;
  timeout?: string;
  detach?: boolean;
  image?: string;
  pull?: string;
}

/** `lyceum python run`: Python code in a container, with S3 credentials in its environment. */
export function registerPythonCommands(program: Command, context: CliContext): void {
  const python = program.command('python').description('Run Python scripts next to your data');

  python
    .command('run')
    .description('Run a Python file or code; S3 credentials for your bucket are in its environment')
    .argument('<file-or-code>', 'a .py file (its local imports are sent too) or Python code')
    .argument('[args...]', "arguments for sys.argv; lyceum's options go before them")
    .option(
      '-r, --requirements <file-or-list>',
      'a requirements file, or requirements such as "numpy pandas==2.2"',
    )
    .option('-t, --timeout <seconds>', 'stop the run after this many seconds')
    .option('-d, --detach', 'print the execution id and return once the run has started')
    .option('--image <image>', "the Python image to run in (default: the server's)")
    .option('--pull <policy>', 'image pull policy: never, missing or always')
    .action(async (fileOrCode: string, args: string[], options: PythonRunOptions) => {
      const body = pythonStartBody(fileOrCode, args, options);
      const reply = await context
        .client()
        .postJson<{ execution_id: string }>('/execution/streaming/start', body);
      if (options.detach) {
        context.stdout.write(`${reply.execution_id}\n`);
        process.exitCode = await waitForStart(context, reply.execution_id);
        return;
      }
      process.exitCode = await attachToRun(context, reply.execution_id, { abortOnInterrupt: true });
    });
}

/** Turns the command line into the body of POST /execution/streaming/start. */
export function pythonStartBody(
  fileOrCode: string,
  args: string[],
  options: PythonRunOptions,
): Record<string, unknown> {
  const isFile = existsSync(fileOrCode) && statSync(fileOrCode).isFile();
  if (!isFile && /\.py$/.test(fileOrCode) && !/\s/.test(fileOrCode)) {
    throw new InvalidInputError(
      `Python file ${JSON.stringify(fileOrCode)} not found; check the path.`,
    );
  }
  const body: Record<string, unknown> = isFile
    ? {
        code: readFileSync(fileOrCode, 'utf8'),
        file_name: basename(fileOrCode),
        import_files: JSON.stringify(findLocalImports(fileOrCode)),
      }
    : { code: fileOrCode, file_name: 'main.py' };
  if (typeof body.code === 'string' && body.code.trim() === '') {
    throw new InvalidInputError(
      `${isFile ? `File ${fileOrCode}` : 'The code'} is empty; give Python code to run.`,
    );
  }
  if (options.requirements !== undefined)
    body.requirements_content = readRequirements(options.requirements);
  if (args.length > 0) body.args = args;
  if (options.timeout !== undefined) body.timeout = parseTimeout(options.timeout);
  if (options.image !== undefined) body.image = options.image;
  if (options.pull !== undefined) body.pull_policy = parsePullPolicy(options.pull);
  return body;
}

/** Reads `-r`: an existing requirements file, or requirement strings separated by spaces or commas. */
function readRequirements(value: string): string {
  if (existsSync(value) && statSync(value).isFile()) return readFileSync(value, 'utf8');
  if (/\.(txt|in)$/.test(value) || value.includes('/')) {
    throw new InvalidInputError(
      `Requirements file ${JSON.stringify(value)} not found; check the path.`,
    );
  }
  return value
    .split(/[\s,]+/)
    .filter((entry) => entry !== '')
    .join('\n');
}
