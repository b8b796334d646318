import { constants } from 'node:fs';
import { mkdir, open, readlink, type FileHandle } from 'node:fs/promises';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;

/** Raised when a path inside a bucket resolves outside it, through a symbolic link a run created. */
export class EscapedBucketError extends Error {}

/**
 * An open directory that is known to lie inside a bucket. Runs can write symbolic links into their
 * mounted bucket, so the server never resolves a bucket path by name alone: it opens each folder,
 * reads back where the open descriptor really points (through /proc/self/fd), and then names entries
 * relative to that descriptor. A link swapped in after the check cannot redirect the operation,
 * because /proc/self/fd/N keeps pointing at the folder that was opened.
 */
export class ContainedDirectory {
  private constructor(
    private readonly handle: FileHandle,
    readonly realPath: string,
  ) {}

  /** Opens `root` itself; its real path bounds every folder opened below it. */
  static async openRoot(root: string): Promise<ContainedDirectory> {
    const handle = await open(root, O_RDONLY | O_DIRECTORY);
    return new ContainedDirectory(handle, await readlink(`/proc/self/fd/${handle.fd}`));
  }

  /** Returns the path of an entry of this folder that resolves through the open descriptor. */
  entryPath(name: string): string {
    return `/proc/self/fd/${this.handle.fd}/${name}`;
  }

  /** The folder's own path through its descriptor, for readdir and similar calls. */
  get path(): string {
    return `/proc/self/fd/${this.handle.fd}`;
  }

  /**
   * Opens the sub-folder at `segments` below this one, one segment at a time, refusing symbolic links
   * and checking that each folder is still inside `boundary`. With `create`, missing folders are made.
   */
  async openDescendant(
    segments: readonly string[],
    boundary: string,
    create = false,
  ): Promise<ContainedDirectory> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk starts at this folder
    let current: ContainedDirectory = this;
    try {
      for (const segment of segments) {
        const next: ContainedDirectory = await current.openChild(segment, boundary, create);
        if (current !== this) await current.close();
        current = next;
      }
    } catch (error) {
      if (current !== this) await current.close();
      throw error;
    }
    return current;
  }

  private async openChild(
    name: string,
    boundary: string,
    create: boolean,
  ): Promise<ContainedDirectory> {
    const path = this.entryPath(name);
    const flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
    // The folder usually exists, so it is opened first and made only when missing.
    const handle = await open(path, flags).catch(async (error: NodeJS.ErrnoException) => {
      if (!create || error.code !== 'ENOENT') throw error;
      // 0o777: buckets are shared by every user id a container may run as; the folder that holds
      // all buckets is 0700, so no other user of the host reaches them.
      await mkdir(path, { mode: 0o777 }).catch((mkdirError: NodeJS.ErrnoException) => {
        if (mkdirError.code !== 'EEXIST') throw mkdirError;
      });
      return open(path, flags);
    });
    const realPath = await readlink(`/proc/self/fd/${handle.fd}`);
    if (realPath !== boundary && !realPath.startsWith(`${boundary}/`)) {
      await handle.close();
      throw new EscapedBucketError(`Folder ${name} resolves outside its bucket.`);
    }
    return new ContainedDirectory(handle, realPath);
  }

  /** Returns the folder's status, with nanosecond times. */
  async stat() {
    return this.handle.stat({ bigint: true });
  }

  /** Flushes the folder's entries to disk, so a rename into it survives a crash. */
  async sync(): Promise<void> {
    await this.handle.sync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
