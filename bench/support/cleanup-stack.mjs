import console from 'node:console';

/**
 * Cleanups that run newest first, once each. `run` returns one shared promise, so a Ctrl-C and the
 * normal end of a benchmark wait for the same work, and a cleanup deferred while they run still
 * runs. A failing cleanup does not stop the others.
 */
export class CleanupStack {
  constructor() {
    this.cleanups = [];
    this.running = undefined;
  }

  defer(cleanup) {
    this.cleanups.push(cleanup);
  }

  run() {
    this.running ??= this.runAll();
    return this.running;
  }

  async runAll() {
    while (this.cleanups.length > 0) {
      const cleanup = this.cleanups.pop();
      try {
        await cleanup();
      } catch (error) {
        console.error(`Cleanup failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
