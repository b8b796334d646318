import console from 'node:console';
import process from 'node:process';
import { USAGE, parseBenchOptions } from './bench-options.mjs';
import { CleanupStack } from './cleanup-stack.mjs';

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
  const cleanups = new CleanupStack();
  let interrupted = false;
  const onSignal = (signal) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\n${name}: ${signal} received, cleaning up.`);
    void cleanups.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // `on`, not `once`: signal-exit 4.1, which execa uses, sends the signal again and so ends this
  // process when it finds no other listener for it, which would cut the cleanup short.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const options = parseOptionsOrExplain(defaults);
    if (options.help) {
      console.log(`${name}: ${description}\n\n${USAGE}`);
      return;
    }
    const deadline = Date.now() + options.maxMinutes * 60_000;
    console.log(`== ${name}: ${description}`);
    const targets = await main({ options, deadline, defer: (cleanup) => cleanups.defer(cleanup) });
    process.exitCode = targets.every((target) => target.pass) ? EXIT_ALL_PASS : EXIT_TARGET_MISSED;
  } catch (error) {
    // After a signal, commands fail because the server stopped, so their errors are not reported.
    if (!interrupted) {
      console.error(`${name} FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
    process.exitCode = EXIT_FAILED;
  } finally {
    await cleanups.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parseOptionsOrExplain(defaults) {
  try {
    return parseBenchOptions(process.argv.slice(2), process.env, defaults);
  } catch (error) {
    throw new Error(`${error.message} Run with --help for the options.`, { cause: error });
  }
}

/** Returns true when the time budget is spent, and prints that the loop stops early. */
export function budgetSpent(deadline, completed) {
  if (Date.now() <= deadline) return false;
  console.log(`The time budget (--max-minutes) is spent, so the loop stops after ${completed}.`);
  return true;
}
