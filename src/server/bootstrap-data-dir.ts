import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { LyceumError } from '../errors/index.js';
import type { AccountRegistry } from '../accounts/account-registry.js';
import type { DataDirLayout } from '../config/data-dir.js';
import { isProcessAlive } from '../config/process-alive.js';

export const DEFAULT_ACCOUNT = 'default';
const FIRST_START_KEY_NAME = 'first-start';

/** Creates the data directory itself with private permissions. */
export async function createDataDir(layout: DataDirLayout): Promise<void> {
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  await chmod(layout.root, 0o700);
}

/**
 * Creates the data directory's folders and removes what a stopped server left. Called only
 * under the lock, since the staging folder may belong to a running server otherwise.
 */
export async function prepareDataDir(layout: DataDirLayout): Promise<void> {
  await mkdir(layout.runOutput, { recursive: true, mode: 0o700 });
  await mkdir(layout.compose, { recursive: true, mode: 0o700 });
  // Staging files left by a server that stopped mid-upload belong to no request any more.
  await rm(layout.staging, { recursive: true, force: true });
}

/** Returns this data directory's server id, making one on first start. */
export async function readServerId(layout: DataDirLayout): Promise<string> {
  const existing = await readFile(layout.serverId, 'utf8').catch(() => '');
  if (existing.trim() !== '') return existing.trim();
  const id = randomBytes(8).toString('hex');
  await writeFile(layout.serverId, `${id}\n`, { mode: 0o600 });
  return id;
}

/**
 * On the first start, creates the default account and a key left in a 0600 file for the CLI of
 * the same user on this machine. Returns true when it created the account.
 */
export async function ensureDefaultAccount(
  accounts: AccountRegistry,
  layout: DataDirLayout,
): Promise<boolean> {
  if (accounts.findByName(DEFAULT_ACCOUNT) !== undefined) return false;
  accounts.create(DEFAULT_ACCOUNT);
  const local = accounts.createKey(DEFAULT_ACCOUNT, 'local-cli');
  await writeFile(layout.localKey, `${local.key}\n`, { mode: 0o600 });
  return true;
}

/**
 * Creates the key that the server prints once, unless the default account has had one. Called
 * after the server listens, so a start that fails before that does not lose the only copy.
 */
export function issueFirstStartKey(accounts: AccountRegistry): string | undefined {
  const keys = accounts.listKeys(DEFAULT_ACCOUNT);
  if (keys.some((key) => key.name === FIRST_START_KEY_NAME)) return undefined;
  return accounts.createKey(DEFAULT_ACCOUNT, FIRST_START_KEY_NAME).key;
}

/**
 * Records this process as the data directory's server, refusing to start when another live
 * process already is, since two servers would each drive the same runs and files.
 * Returns a function that releases the record.
 */
export async function lockDataDir(layout: DataDirLayout): Promise<() => Promise<void>> {
  // The pid is written to a file of this process first and then linked into place, because a
  // link fails when the name exists. Of two servers that start at once, only one takes the lock,
  // and no server ever reads a pid file that is still empty.
  const ownPidFile = `${layout.pidFile}.${process.pid}`;
  await writeFile(ownPidFile, `${process.pid}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(ownPidFile, layout.pidFile);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const recorded = Number((await readFile(layout.pidFile, 'utf8').catch(() => '')).trim());
      if (
        Number.isInteger(recorded) &&
        recorded > 0 &&
        recorded !== process.pid &&
        isProcessAlive(recorded)
      ) {
        throw new LyceumError(
          `Another lyceum server (pid ${recorded}) is using the data directory ${layout.root}; ` +
            'stop it first, or start this one with another --data-dir.',
        );
      }
      // The recorded server has exited without removing its file.
      await rm(layout.pidFile, { force: true });
    }
  } finally {
    await rm(ownPidFile, { force: true });
  }
  return async () => {
    await rm(layout.pidFile, { force: true });
  };
}
