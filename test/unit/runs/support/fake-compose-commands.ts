import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder with stand-ins for `docker` and `docker-compose` that log their arguments. */
export interface FakeCommands {
  directory: string;
  /** The environment that puts the stand-ins first on PATH. */
  env: { PATH: string };
  /** Returns the logged calls, one line of arguments per call. */
  calls(): Promise<string[]>;
}

/**
 * Writes stand-ins for the two Compose commands. A release that is not in `installed` exits
 * with 1 for `version`; `failing` makes the named subcommand print an error and exit with 3.
 */
export async function writeFakeCommands(
  installed: ('v2' | 'v1')[],
  failing = '',
): Promise<FakeCommands> {
  const directory = await mkdtemp(join(tmpdir(), 'lyceum-fake-compose-'));
  const log = join(directory, 'calls.log');
  const script = (release: 'v2' | 'v1', version: string, shift: string) => `#!/bin/sh
${shift}
echo "${release} $*" >> '${log}'
case "$1" in
  version) ${installed.includes(release) ? `echo ${version}; exit 0` : 'echo "unknown command" >&2; exit 1'} ;;
esac
for argument in "$@"; do
  if [ "$argument" = '${failing || '-'}' ]; then echo "Error: $argument failed" >&2; exit 3; fi
done
exit 0
`;
  const docker = script('v2', '2.99.0', '[ "$1" = compose ] || exit 125; shift');
  await writeFile(join(directory, 'docker'), docker);
  await writeFile(join(directory, 'docker-compose'), script('v1', '1.29.2', ''));
  await chmod(join(directory, 'docker'), 0o755);
  await chmod(join(directory, 'docker-compose'), 0o755);
  return {
    directory,
    env: { PATH: `${directory}:/usr/bin:/bin` },
    calls: async () =>
      (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((line) => line !== ''),
  };
}
