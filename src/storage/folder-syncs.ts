interface FolderState {
  running: Promise<void> | undefined;
  queued: Promise<void> | undefined;
}

/**
 * Shares folder fsyncs between concurrent writers. A writer that has renamed its file into a
 * folder needs an fsync of the folder that starts after its rename. While one runs, later writers
 * wait for a single next fsync instead of starting one each, so eight writers into one folder
 * cost two fsyncs rather than eight.
 */
export class FolderSyncs {
  private readonly folders = new Map<string, FolderState>();

  /**
   * Resolves once an fsync of the folder `key` that started after this call has completed.
   * `syncNow` performs one fsync; it is called for this caller or for a caller it waits with.
   */
  sync(key: string, syncNow: () => Promise<void>): Promise<void> {
    let state = this.folders.get(key);
    if (state === undefined) {
      state = { running: undefined, queued: undefined };
      this.folders.set(key, state);
    }
    if (state.queued !== undefined) return state.queued;
    if (state.running === undefined) return this.start(key, state, syncNow);

    const folder = state;
    const queued = state.running
      .catch(() => undefined)
      .then(() => {
        folder.queued = undefined;
        return this.start(key, folder, syncNow);
      });
    state.queued = queued;
    return queued;
  }

  private start(key: string, state: FolderState, syncNow: () => Promise<void>): Promise<void> {
    const running = syncNow().finally(() => {
      if (state.running === running) state.running = undefined;
      if (state.running === undefined && state.queued === undefined) this.folders.delete(key);
    });
    state.running = running;
    return running;
  }
}
