import process from 'node:process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Returns the user plus system time in a `/proc/.../stat` file, in milliseconds. Linux reports it
 * in clock ticks of 10 ms (USER_HZ 100, the value of common builds).
 */
function readStatCpuMs(path) {
  const stat = readFileSync(path, 'utf8');
  // The fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Returns the CPU milliseconds that process `pid` and all its threads have used so far. */
export function readProcessCpuMs(pid) {
  return readStatCpuMs(`/proc/${pid}/stat`);
}

/**
 * Returns the CPU milliseconds that this process's main thread has used so far. JavaScript runs
 * on that thread only, so its CPU time is a floor for the wall time of the work it does.
 */
export function readOwnMainThreadCpuMs() {
  return readStatCpuMs(`/proc/${process.pid}/task/${process.pid}/stat`);
}

/**
 * Runs `action` and returns its result with the CPU milliseconds that process `pid` used
 * meanwhile (`cpuMs`), and those of this process's main thread (`ownMainThreadCpuMs`).
 */
export async function withProcessCpu(pid, action) {
  const before = readProcessCpuMs(pid);
  const ownBefore = readOwnMainThreadCpuMs();
  const result = await action();
  return {
    result,
    cpuMs: readProcessCpuMs(pid) - before,
    ownMainThreadCpuMs: readOwnMainThreadCpuMs() - ownBefore,
  };
}
