import { USAGE, parseBenchOptions } from './bench-options.mjs';

export const EXIT_ALL_PASS = 0;
export const EXIT_TARGET_MISSED = 1;
export const EXIT_FAILED = 2;

/**
 * Runs a benchmark's `main({ options, defer, deadline })`, which returns its checked targets.
 * Callbacks given to `defer` run in reverse order at the end, also on Ctrl-C or SIGTERM, so the
 * server and temporary files go away. Sets the exit code: 0 when every target passes, 1 when one
 * is missed, and 2 when the benchmark failed (an error, or bytes that did not match).
 */
export async function runBenchmark({ name, description, defaults }, main) {
  const cleanups = [];
  const onSignal = (signal) => {
    console.error(`\n${name}: ${signal} received, cleaning up.`);
    void runCleanups(cleanups).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const options = parseBenchOptions(process.argv.slice(2), process.env, defaults);
    if (options.help) {
      console.log(`${name}: ${description}\n\n${USAGE}`);
      return;
    }
    const deadline = Date.now() + options.maxMinutes * 60_000;
    console.log(`== ${name}: ${description}`);
    const targets = await main({ options, deadline, defer: (cleanup) => cleanups.push(cleanup) });
    process.exitCode = targets.every((target) => target.pass) ? EXIT_ALL_PASS : EXIT_TARGET_MISSED;
  } catch (error) {
    console.error(`${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = EXIT_FAILED;
  } finally {
    await runCleanups(cleanups);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs and removes each cleanup once, newest first; a failing cleanup does not stop the others. */
async function runCleanups(cleanups) {
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup();
    } catch (error) {
      console.error(`Cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** Returns true when the time budget is spent, and prints that the loop stops early. */
export function budgetSpent(deadline, what) {
  if (Date.now() <= deadline) return false;
  console.log(`The time budget (--max-minutes) is spent; stopping after ${what}.`);
  return true;
}
