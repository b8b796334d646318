import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { LyceumError } from '../errors/index.js';
import type { AccountRegistry } from '../accounts/account-registry.js';
import type { DataDirLayout } from '../config/data-dir.js';

export const DEFAULT_ACCOUNT = 'default';

/** Creates the data directory's folders with private permissions. */
export async function prepareDataDir(layout: DataDirLayout): Promise<void> {
  await mkdir(layout.root, { recursive: true, mode: 0o700 });
  await chmod(layout.root, 0o700);
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
 * On the first start, creates the default account and two keys: one printed once for the user,
 * and one left in a 0600 file for the CLI of the same user on this machine.
 * Returns the printed key, or undefined when the account already existed.
 */
export async function ensureDefaultAccount(
  accounts: AccountRegistry,
  layout: DataDirLayout,
): Promise<{ apiKey: string; bucketName: string } | undefined> {
  if (accounts.findByName(DEFAULT_ACCOUNT) !== undefined) return undefined;
  const account = accounts.create(DEFAULT_ACCOUNT);
  const printed = accounts.createKey(DEFAULT_ACCOUNT, 'first-start');
  const local = accounts.createKey(DEFAULT_ACCOUNT, 'local-cli');
  await writeFile(layout.localKey, `${local.key}\n`, { mode: 0o600 });
  return { apiKey: printed.key, bucketName: account.bucketName };
}

/**
 * Records this process as the data directory's server, refusing to start when another live
 * process already is, since two servers would each drive the same runs and files.
 * Returns a function that releases the record.
 */
export async function lockDataDir(layout: DataDirLayout): Promise<() => Promise<void>> {
  const recorded = Number((await readFile(layout.pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(recorded) && recorded > 0 && recorded !== process.pid && isAlive(recorded)) {
    throw new LyceumError(
      `Another lyceum server (pid ${recorded}) is using the data directory ${layout.root}; ` +
        'stop it first, or start this one with another --data-dir.',
    );
  }
  await writeFile(layout.pidFile, `${process.pid}\n`, { mode: 0o600 });
  return async () => {
    await rm(layout.pidFile, { force: true });
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
