import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/db/database.js';
import { MIGRATIONS } from '../../../src/db/migrations.js';

describe('openDatabase', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lyceum-db-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the file private to its user', () => {
    const path = join(dir, 'lyceum.db');
    const db = openDatabase(path);
    db.exec('CREATE TABLE probe (x)');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    db.close();
  });

  it('applies every migration', () => {
    const db = openDatabase(join(dir, 'lyceum.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const columns = db.prepare('PRAGMA table_info(object_metadata)').all() as { name: string }[];
    expect(columns.map((column) => column.name)).toContain('checksums');
    db.close();
  });
});
