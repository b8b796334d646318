import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Returns the CPU time, user plus system, that process `pid` and its threads have used so far,
 * in milliseconds, from /proc/PID/stat. Linux reports it in clock ticks of 10 ms (USER_HZ 100, the
 * value of common builds).
 */
export function readProcessCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  return ((userTicks + systemTicks) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Runs `action` and returns its result with the CPU milliseconds process `pid` used meanwhile. */
export async function withProcessCpu(pid, action) {
  const before = readProcessCpuMs(pid);
  const result = await action();
  return { result, cpuMs: readProcessCpuMs(pid) - before };
}
