import { parseArgs } from 'node:util';

const MIB = 1024 * 1024;
const SIZE_UNITS = { '': 1, K: 1024, M: MIB, G: 1024 * MIB };

const QUICK = { runs: 5, sizeBytes: 64 * MIB, repeats: 3 };

export const USAGE = `Options (each also read from the LYCEUM_BENCH_* variable named in brackets):
  --runs N          timed runs of each command in docker-run-overhead [LYCEUM_BENCH_RUNS]
  --size SIZE       bytes to move, with an optional K, M or G suffix in binary units,
                    for example 1G or 64M [LYCEUM_BENCH_SIZE]
  --repeats N       repeats of each transfer or dd measurement, reported as a median [LYCEUM_BENCH_REPEATS]
  --max-minutes N   time budget; a benchmark stops starting new measurements after it
                    [LYCEUM_BENCH_MAX_MINUTES]
  --quick           runs 5, size 64M: a quick check, not a figure to record
  --help            print this help`;

/**
 * Parses the flags every benchmark accepts. A flag wins over its variable, which wins over
 * `--quick`, which wins over the benchmark's own defaults.
 */
export function parseBenchOptions(argv, env, defaults) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string' },
      size: { type: 'string' },
      repeats: { type: 'string' },
      'max-minutes': { type: 'string' },
      quick: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const base = values.quick ? { ...defaults, ...QUICK } : defaults;
  const runs = values.runs ?? env.LYCEUM_BENCH_RUNS;
  const size = values.size ?? env.LYCEUM_BENCH_SIZE;
  const repeats = values.repeats ?? env.LYCEUM_BENCH_REPEATS;
  const maxMinutes = values['max-minutes'] ?? env.LYCEUM_BENCH_MAX_MINUTES;
  return {
    help: values.help === true,
    runs: runs === undefined ? base.runs : parseCount('--runs', runs),
    sizeBytes: size === undefined ? base.sizeBytes : parseSize(size),
    repeats: repeats === undefined ? base.repeats : parseCount('--repeats', repeats),
    maxMinutes:
      maxMinutes === undefined ? base.maxMinutes : parseCount('--max-minutes', maxMinutes),
  };
}

function parseCount(name, value) {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) {
    throw new Error(
      `${name} ${JSON.stringify(value)} is invalid: expected a whole number above 0.`,
    );
  }
  return count;
}

function parseSize(value) {
  const match = /^(\d+)([KMG]?)$/i.exec(value.trim());
  if (match === null || Number(match[1]) === 0) {
    throw new Error(
      `--size ${JSON.stringify(value)} is invalid: expected a size such as 1G or 64M.`,
    );
  }
  return Number(match[1]) * SIZE_UNITS[match[2].toUpperCase()];
}
