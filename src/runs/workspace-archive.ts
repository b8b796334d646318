import { pack } from 'tar-stream';

/**
 * Packs files into a tar archive for the engine's put-archive call. Paths are relative to the
 * folder the archive is unpacked into; every file is world-readable so any container user can
 * read it, and folders are world-writable so the script can write next to itself.
 */
export async function buildArchive(files: Record<string, string>): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });

  for (const folder of [...parentFolders(Object.keys(files))].sort()) {
    archive.entry({ name: `${folder}/`, type: 'directory', mode: 0o777 });
  }
  for (const [path, content] of Object.entries(files)) {
    archive.entry({ name: path, mode: 0o644 }, content);
  }
  archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Returns every folder that contains one of `paths`, which are relative and use "/". */
export function parentFolders(paths: Iterable<string>): Set<string> {
  const folders = new Set<string>();
  for (const path of paths) {
    const segments = path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      folders.add(segments.slice(0, depth).join('/'));
    }
  }
  return folders;
}
