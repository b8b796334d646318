/**
 * Alternatives to the `docker run` options that `lyceum docker run` does not take, by flag. Users
 * who know Docker try these first, and commander alone only calls them unknown.
 */
const HINTS: ReadonlyArray<readonly [readonly string[], string]> = [
  [
    ['-v', '--volume', '--mount'],
    'runs see only your bucket, at /mnt/s3 (--s3-mount-path moves it); upload files with ' +
      '"lyceum storage load"',
  ],
  [
    ['-p', '-P', '--publish', '--publish-all'],
    'Docker runs publish no ports; a Compose run can, with "ports:" in its file',
  ],
  [
    ['-i', '-it', '-ti', '--interactive', '--tty'],
    'runs have no terminal and no stdin; upload input to the bucket, and -t sets a time limit',
  ],
  [['--rm'], 'every run is removed when it ends, and its output stays in the run record'],
  [['--name'], 'runs are named by their execution id, which -d prints'],
  [['-w', '--workdir'], 'change folder in the command: -c "cd /mnt/s3/work && CMD"'],
  [['--entrypoint'], "the image's ENTRYPOINT stays; the command after the image replaces its CMD"],
  [['--env-file'], 'pass each variable with -e KEY=VALUE, or -e KEY to copy it from here'],
  [['--gpus'], 'Docker runs cannot ask for GPUs; a Compose run can, in its file'],
  [['--network', '--net'], 'runs join the network the server chooses for them'],
  [['-u', '--user'], "runs start as the image's user; build the image with USER to change it"],
];

const HINT_BY_FLAG = new Map(HINTS.flatMap(([flags, hint]) => flags.map((flag) => [flag, hint])));

/** Returns the alternative to the docker run flag `flag` as one line, or undefined. */
export function dockerFlagHint(flag: string): string | undefined {
  const name = flag.split('=')[0]!;
  const hint = HINT_BY_FLAG.get(name);
  return hint === undefined ? undefined : `lyceum docker run has no ${name}: ${hint}.`;
}

/** Appends the alternative to the flag that commander's "unknown option" error names, if any. */
export function withDockerFlagHint(errorText: string): string {
  const flag = /^error: unknown option '([^']+)'/.exec(errorText)?.[1];
  const hint = flag === undefined ? undefined : dockerFlagHint(flag);
  return hint === undefined ? errorText : `${errorText.trimEnd()}\n${hint}\n`;
}
