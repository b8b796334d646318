import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/**
 * Gives a bucket folder default POSIX ACLs that make everything created inside readable and
 * writable by every user, whatever umask or user id a container runs with. Returns false when the
 * `setfacl` tool is missing or the file system has no ACL support.
 */
export async function grantSharedAccess(folder: string): Promise<boolean> {
  try {
    await execFileAsync('setfacl', [
      '-m',
      'u::rwx,g::rwx,o::rwx',
      '-d',
      '-m',
      'u::rwx,g::rwx,o::rwx',
      folder,
    ]);
    return true;
  } catch {
    return false;
  }
}
