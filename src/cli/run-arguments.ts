import type { Command, Option } from 'commander';

/**
 * The rule for the words after a run's first argument (the image, or the Python file):
 * - `docker`: as `docker run` reads them, the container's command starts at the first word that
 *   is not an option, so its own options (`ls -la`, `python3 -c ...`) are left to it. An unknown
 *   option before that word is still an error.
 * - `python`: the script's arguments start at the first word that is not one of this command's
 *   options, so `job.py --epochs 3` passes `--epochs 3` to the script.
 */
export type RunArgumentStyle = 'docker' | 'python';

/** The run commands whose trailing words belong to the run, by the command path after `lyceum`. */
const RUN_COMMANDS: { path: [string, string]; style: RunArgumentStyle }[] = [
  { path: ['docker', 'run'], style: 'docker' },
  { path: ['python', 'run'], style: 'python' },
];

/**
 * Returns `argv` (as `process.argv`, the program name first) with `--` inserted where the run's
 * own command or arguments begin, for the run commands above. Everything else is returned as it
 * is, and commander then reads the options before that point as the CLI's own.
 */
export function separateRunArguments(program: Command, argv: string[]): string[] {
  const words = argv.slice(2);
  for (const { path, style } of RUN_COMMANDS) {
    const start = commandStart(program, words, path);
    if (start === undefined) continue;
    const command = subcommand(program, path);
    if (command === undefined) return argv;
    const split = runArgumentsStart(command, words.slice(start), style);
    if (split === undefined) return argv;
    const at = 2 + start + split;
    return [...argv.slice(0, at), '--', ...argv.slice(at)];
  }
  return argv;
}

/**
 * Returns the index in `words` after the command path (such as `docker run`), or undefined when
 * `words` does not name that command. Only the program's own options may come first.
 */
function commandStart(program: Command, words: string[], path: string[]): number | undefined {
  let index = 0;
  while (index < words.length && words[index]!.startsWith('-') && words[index] !== '--') {
    if (findOption(program.options, words[index]!) === undefined) return undefined;
    index++;
  }
  for (const name of path) {
    if (words[index] !== name) return undefined;
    index++;
  }
  return index;
}

function subcommand(program: Command, path: string[]): Command | undefined {
  let command: Command | undefined = program;
  for (const name of path) command = command?.commands.find((child) => child.name() === name);
  return command;
}

/**
 * Returns the index in `words` (the words after `docker run` or `python run`) where the run's own
 * words begin, or undefined when there are none or the user already wrote `--`.
 */
export function runArgumentsStart(
  command: Command,
  words: string[],
  style: RunArgumentStyle,
): number | undefined {
  let sawFirstArgument = false;
  let index = 0;
  while (index < words.length) {
    const word = words[index]!;
    if (word === '--') return undefined;
    const isOptionLike = word.startsWith('-') && word !== '-';
    if (!isOptionLike) {
      if (sawFirstArgument) return index;
      sawFirstArgument = true;
      index++;
      continue;
    }
    const consumed = optionWordCount(command, words, index);
    if (consumed === undefined) {
      // A word that is not one of this command's options begins a Python script's arguments.
      // In a Docker run it is left for commander to report, because a command cannot begin with a dash.
      if (style === 'python' && sawFirstArgument) return index;
      return undefined;
    }
    index += consumed;
  }
  return undefined;
}

/**
 * Returns how many words the option at `words[index]` takes (1, or 2 with a separate value), or
 * undefined when it is not one of the command's options. Short flags may be combined, as in `-dt 5`.
 */
function optionWordCount(command: Command, words: string[], index: number): number | undefined {
  const word = words[index]!;
  if (word === '-h' || word === '--help') return 1;
  if (word.startsWith('--')) {
    const [name] = word.split('=', 1);
    const option = findOption(command.options, name!);
    if (option === undefined) return undefined;
    return takesValue(option) && !word.includes('=') ? 2 : 1;
  }
  for (let position = 1; position < word.length; position++) {
    const option = findOption(command.options, `-${word[position]}`);
    if (option === undefined) return undefined;
    if (takesValue(option)) return position === word.length - 1 ? 2 : 1;
  }
  return 1;
}

function findOption(options: readonly Option[], flag: string): Option | undefined {
  return options.find((option) => option.short === flag || option.long === flag);
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}
