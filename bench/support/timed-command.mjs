import { performance } from 'node:perf_hooks';
import { execa } from 'execa';

/**
 * Runs a command to its end and returns its wall time in milliseconds with its result. A non-zero
 * exit or a timeout throws, because a failed run must never be counted as a fast one.
 * `onSpawn` receives the child's pid, for memory sampling.
 */
export async function runTimed(file, args, { timeoutMs, env, onSpawn } = {}) {
  const start = performance.now();
  const subprocess = execa(file, args, {
    reject: false,
    timeout: timeoutMs,
    ...(env === undefined ? {} : { env, extendEnv: false }),
  });
  const stopSampling = onSpawn?.(subprocess.pid);
  const result = await subprocess;
  const ms = performance.now() - start;
  stopSampling?.();

  if (result.failed) {
    const reason = result.timedOut
      ? `timed out after ${timeoutMs} ms`
      : `exited with ${result.exitCode}`;
    throw new Error(
      `${[file, ...args].join(' ')} ${reason}.\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return { ms, stdout: String(result.stdout), stderr: String(result.stderr) };
}
