import { formatMs } from './report.mjs';
import { budgetSpent } from './run-benchmark.mjs';

/**
 * Runs every command `warmUpRuns` times untimed, then `count` timed rounds, and returns each
 * command's times in ms. The order flips each round, so neither side always runs right after the
 * other. A command is a function that resolves to a run with its `ms`.
 */
export async function measureInterleaved(commands, { count, warmUpRuns, deadline }) {
  const names = Object.keys(commands);
  for (let round = 0; round < warmUpRuns; round++) {
    for (const name of names) await commands[name]();
  }

  const timings = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < count; round++) {
    if (round > 0 && budgetSpent(deadline, `${round} of ${count} rounds`)) break;
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) timings[name].push((await commands[name]()).ms);
  }
  return timings;
}

/** Waits for a timed run and checks its trimmed output against a string or a pattern. */
export async function expectOutput(timedRun, expected) {
  const run = await timedRun;
  const output = run.stdout.trim();
  const matches = expected instanceof RegExp ? expected.test(output) : output === expected;
  if (!matches) {
    throw new Error(`Expected the output ${String(expected)}, got ${JSON.stringify(output)}.`);
  }
  return run;
}

/** Returns the median, min and max in ms and the run count, as table cells. */
export function formatStats(stats) {
  return [formatMs(stats.median), formatMs(stats.min), formatMs(stats.max), stats.count];
}
