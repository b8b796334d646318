import { closeSync, constants, fstatSync, fsync, mkdirSync, openSync, readlinkSync } from 'node:fs';
import { promisify } from 'node:util';

const { O_RDONLY, O_DIRECTORY, O_NOFOLLOW } = constants;
const fsyncAsync = promisify(fsync);

/** Raised when a path inside a bucket resolves outside it, through a symbolic link a run created. */
export class EscapedBucketError extends Error {}

/**
 * An open directory that is known to lie inside a bucket. Runs can write symbolic links into their
 * mounted bucket, so the server never resolves a bucket path by name alone: it opens each folder,
 * reads back where the open descriptor really points (through /proc/self/fd), and then names entries
 * relative to that descriptor. A link swapped in after the check cannot redirect the operation,
 * because /proc/self/fd/N keeps pointing at the folder that was opened.
 *
 * Opening, checking and closing a folder are synchronous calls. On a local disk each took 2-3 us in
 * our measurements, and handing one to libuv's thread pool cost 35-40 us of main-thread time.
 * NOTE: with the data directory on a network file system, each of these calls can hold every
 * request for a network round trip.
 */
export class ContainedDirectory {
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly realPath: string,
  ) {
    this.fd = fd;
  }

  /** Opens `root` itself; its real path bounds every folder opened below it. */
  static openRoot(root: string): ContainedDirectory {
    const fd = openSync(root, O_RDONLY | O_DIRECTORY);
    try {
      return new ContainedDirectory(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** Returns the path of an entry of this folder that resolves through the open descriptor. */
  entryPath(name: string): string {
    return `/proc/self/fd/${this.descriptor()}/${name}`;
  }

  /** The folder's own path through its descriptor, for readdir and similar calls. */
  get path(): string {
    return `/proc/self/fd/${this.descriptor()}`;
  }

  /**
   * Opens the sub-folder at `segments` below this one, one segment at a time, rejecting symbolic
   * links and checking that each folder is still inside `boundary`. With `create`, missing folders
   * are made. Rejects with the error of the first segment that fails.
   */
  async openDescendant(
    segments: readonly string[],
    boundary: string,
    create = false,
  ): Promise<ContainedDirectory> {
    return this.openDescendantNow(segments, boundary, create);
  }

  /** Does what openDescendant does, and throws instead of rejecting. */
  openDescendantNow(
    segments: readonly string[],
    boundary: string,
    create = false,
  ): ContainedDirectory {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk starts at this folder
    let current: ContainedDirectory = this;
    try {
      for (const segment of segments) {
        const next = current.openChild(segment, boundary, create);
        if (current !== this) current.closeNow();
        current = next;
      }
    } catch (error) {
      if (current !== this) current.closeNow();
      throw error;
    }
    return current;
  }

  private openChild(name: string, boundary: string, create: boolean): ContainedDirectory {
    const path = this.entryPath(name);
    const fd = openFolder(path, create);
    let realPath;
    try {
      realPath = readlinkSync(`/proc/self/fd/${fd}`);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    if (realPath !== boundary && !realPath.startsWith(`${boundary}/`)) {
      closeSync(fd);
      throw new EscapedBucketError(`Folder ${name} resolves outside its bucket.`);
    }
    return new ContainedDirectory(fd, realPath);
  }

  /** Returns the folder's status, with nanosecond times. */
  async stat() {
    return fstatSync(this.descriptor(), { bigint: true });
  }

  /** Flushes the folder's entries to disk, so a rename into it survives a crash. */
  async sync(): Promise<void> {
    await fsyncAsync(this.descriptor());
  }

  async close(): Promise<void> {
    this.closeNow();
  }

  /** Closes the folder's descriptor; closing twice does nothing. */
  closeNow(): void {
    const fd = this.fd;
    this.fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.closeNow();
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new Error(`Folder ${this.realPath} is already closed.`);
    return this.fd;
  }
}

/** Opens the folder at `path` without following a link, and with `create` makes it when missing. */
function openFolder(path: string, create: boolean): number {
  const flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
  // The folder usually exists, so it is opened first and made only when missing.
  try {
    return openSync(path, flags);
  } catch (error) {
    if (!create || (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    // 0o777: buckets are shared by every user id a container may run as, and the folder that
    // contains all buckets is 0700, so no other user of the host reaches them.
    mkdirSync(path, { mode: 0o777 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return openSync(path, flags);
}
