import { clearInterval, setInterval } from 'node:timers';
import { readFileSync } from 'node:fs';

/**
 * Reads a `kB` field such as VmRSS or VmHWM from /proc/PID/status, in KiB. Returns undefined
 * when the process has exited.
 */
export function readProcStatusKib(pid, field) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match === null ? undefined : Number(match[1]);
}

/** Samples a process's resident set size (VmRSS) at a fixed interval and keeps the maximum. */
export class MemorySampler {
  constructor(pid, intervalMs = 50) {
    this.pid = pid;
    this.maxRssKib = 0;
    this.sampleCount = 0;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample() {
    const rssKib = readProcStatusKib(this.pid, 'VmRSS');
    if (rssKib === undefined) return;
    this.sampleCount++;
    this.maxRssKib = Math.max(this.maxRssKib, rssKib);
  }

  /** Stops sampling and returns the largest VmRSS seen, in KiB. */
  stop() {
    clearInterval(this.timer);
    return this.maxRssKib;
  }
}
