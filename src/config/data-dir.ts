import { homedir } from 'node:os';
import { join } from 'node:path';

/** Returns the server's data directory: `LYCEUM_DATA_DIR`, else `~/.lyceum/server`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.LYCEUM_DATA_DIR ?? join(home, '.lyceum', 'server');
}

/** Lists the paths inside a data directory. */
export function dataDirLayout(dataDir: string) {
  return {
    root: dataDir,
    database: join(dataDir, 'lyceum.db'),
    buckets: join(dataDir, 'buckets'),
    staging: join(dataDir, 'staging'),
    /** Parts of multipart uploads in progress, outside every bucket. */
    multipart: join(dataDir, 'multipart'),
    runOutput: join(dataDir, 'runs'),
    /** One folder per Compose run with its Compose file and the generated override, outside every bucket. */
    compose: join(dataDir, 'compose'),
    /** A key of the default account for the CLI of the same user on this machine (mode 0600). */
    localKey: join(dataDir, 'local-cli-key'),
    /** The URL the server listens at, written on every start, so the local CLI finds it. */
    localUrl: join(dataDir, 'local-cli-url'),
    /** The process id of the server using this directory, so a second server refuses to start. */
    pidFile: join(dataDir, 'server.pid'),
    /** The id that labels this server's containers, so servers sharing an engine leave each other's alone. */
    serverId: join(dataDir, 'server-id'),
  };
}

export type DataDirLayout = ReturnType<typeof dataDirLayout>;
