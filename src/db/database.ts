import { chmodSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';

export type SqliteDatabase = Database.Database;

/**
 * Opens the server's SQLite database and brings its schema up to date. WAL mode lets the CLI's
 * administration commands write while the server runs.
 */
export function openDatabase(path: string): SqliteDatabase {
  const db = new Database(path);
  // The database contains run specs with their environment values, so only the server's user reads
  // it. SQLite gives its journal files the same mode.
  if (path !== ':memory:') chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    const step = db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    });
    step.immediate();
  }
}

/**
 * Prepares each SQL statement once and reuses it, since compiling the same statement on every
 * request showed up in profiles of the S3 endpoint.
 */
export class StatementCache {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: SqliteDatabase) {}

  prepare<Parameters extends unknown[] | object = unknown[], Row = unknown>(
    sql: string,
  ): Database.Statement<Parameters, Row> {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement as unknown as Database.Statement<Parameters, Row>;
  }
}
