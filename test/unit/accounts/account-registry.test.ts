import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AccountRegistry, validateAccountName } from '../../../src/accounts/account-registry.js';
import { openDatabase, type SqliteDatabase } from '../../../src/db/database.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../../src/errors/index.js';
import { CredentialStore } from '../../../src/storage/credential-store.js';

/** Makes a clock that moves one second forward on every reading, so creation order is stable. */
function steppingClock(startIso = '2025-01-01T00:00:00.000Z'): () => Date {
  let millis = Date.parse(startIso);
  return () => {
    const now = new Date(millis);
    millis += 1000;
    return now;
  };
}

let db: SqliteDatabase;
let registry: AccountRegistry;

beforeEach(() => {
  db = openDatabase(':memory:');
  registry = new AccountRegistry(db, steppingClock());
});

afterEach(() => {
  db.close();
});

describe('AccountRegistry.create', () => {
  it('returns the new account', () => {
    expect(registry.create('ml-team')).toEqual({
      id: expect.stringMatching(/^acc_[0-9a-f]{16}$/),
      name: 'ml-team',
      bucketName: 'lyceum-ml-team',
      createdAt: '2025-01-01T00:00:00.000Z',
    });
  });

  it('gives each account its own id', () => {
    expect(registry.create('a').id).not.toBe(registry.create('b').id);
  });

  describe('duplicate name', () => {
    beforeEach(() => {
      registry.create('ml-team');
    });

    it('throws ConflictError', () => {
      expect(() => registry.create('ml-team')).toThrow(ConflictError);
    });

    it('names the account', () => {
      expect(() => registry.create('ml-team')).toThrow('Account "ml-team" already exists');
    });

    it('keeps one account', () => {
      expect(() => registry.create('ml-team')).toThrow();
      expect(registry.list()).toHaveLength(1);
    });
  });

  describe.each([
    ['uppercase', 'ML-team'],
    ['a leading digit', '1team'],
    ['a leading hyphen', '-team'],
    ['a trailing hyphen', 'team-'],
    ['41 characters', 'a'.repeat(41)],
    ['an empty name', ''],
    ['an underscore', 'ml_team'],
    ['a space', 'ml team'],
    ['a dot', 'ml.team'],
  ])('name with %s', (_case, name) => {
    it('throws InvalidInputError', () => {
      expect(() => registry.create(name)).toThrow(InvalidInputError);
    });

    it('quotes the rejected name', () => {
      expect(() => registry.create(name)).toThrow(
        `Account name ${JSON.stringify(name)} is invalid`,
      );
    });

    it('stores nothing', () => {
      expect(() => registry.create(name)).toThrow();
      expect(registry.list()).toEqual([]);
    });
  });
});

describe('validateAccountName', () => {
  it.each(['a', 'z9', 'ml-team', 'a--b', 'team-2', 'a'.repeat(40)])('accepts %j', (name) => {
    expect(validateAccountName(name)).toBe(name);
  });
});

describe('AccountRegistry.list', () => {
  it('is empty for a new database', () => {
    expect(registry.list()).toEqual([]);
  });

  it('lists accounts in creation order', () => {
    registry.create('zeta');
    registry.create('alpha');
    expect(registry.list().map((account) => account.name)).toEqual(['zeta', 'alpha']);
  });

  it('returns what create returned', () => {
    const account = registry.create('ml-team');
    expect(registry.list()).toEqual([account]);
  });
});

describe('AccountRegistry lookups', () => {
  it('finds account by name', () => {
    const account = registry.create('ml-team');
    expect(registry.findByName('ml-team')).toEqual(account);
  });

  it('finds account by id', () => {
    const account = registry.create('ml-team');
    expect(registry.findById(account.id)).toEqual(account);
  });

  it('finds an account that another connection made after a lookup missed it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lyceum-registry-'));
    const path = join(dir, 'lyceum.db');
    const serverDb = openDatabase(path);
    const cliDb = openDatabase(path);
    try {
      const server = new AccountRegistry(serverDb);
      expect(server.findById('acc_0000000000000000')).toBeUndefined();
      const created = new AccountRegistry(cliDb).create('ml-team');
      const found = server.findById(created.id);
      expect(found).toEqual(created);
      expect(server.findById(created.id)).toBe(found);
      expect(Object.isFrozen(found)).toBe(true);
    } finally {
      serverDb.close();
      cliDb.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns undefined for unknown name', () => {
    expect(registry.findByName('nobody')).toBeUndefined();
  });

  it('throws NotFoundError from getByName', () => {
    expect(() => registry.getByName('nobody')).toThrow(NotFoundError);
  });
});

describe('AccountRegistry.createKey', () => {
  beforeEach(() => {
    registry.create('ml-team');
  });

  it('starts the key with lk_', () => {
    expect(registry.createKey('ml-team').key).toMatch(/^lk_[A-Za-z0-9_-]{40}$/);
  });

  it('returns key details', () => {
    const account = registry.getByName('ml-team');
    expect(registry.createKey('ml-team', 'laptop')).toEqual({
      id: expect.stringMatching(/^key_[0-9a-f]{16}$/),
      accountId: account.id,
      name: 'laptop',
      createdAt: expect.any(String),
      revokedAt: null,
      key: expect.any(String),
    });
  });

  it('names the key default', () => {
    expect(registry.createKey('ml-team').name).toBe('default');
  });

  it('makes a new key each time', () => {
    expect(registry.createKey('ml-team').key).not.toBe(registry.createKey('ml-team').key);
  });

  it('throws NotFoundError for unknown account', () => {
    expect(() => registry.createKey('nobody')).toThrow(NotFoundError);
  });

  describe('storage', () => {
    let key: string;

    beforeEach(() => {
      key = registry.createKey('ml-team').key;
    });

    it('stores the SHA-256 hash', () => {
      const hash = createHash('sha256').update(key).digest('hex');
      const row = db.prepare('SELECT key_hash FROM api_keys').get() as { key_hash: string };
      expect(row.key_hash).toBe(hash);
    });

    it('keeps plain key out of api_keys', () => {
      const rows = db.prepare('SELECT * FROM api_keys').all();
      expect(JSON.stringify(rows)).not.toContain(key);
    });

    it('keeps plain key out of database', () => {
      expect(db.serialize().includes(Buffer.from(key))).toBe(false);
    });

    it('leaves plain key out of listKeys', () => {
      const [info] = registry.listKeys('ml-team');
      expect(info).not.toHaveProperty('key');
    });
  });
});

describe('AccountRegistry.authenticate', () => {
  it('returns the key owner', () => {
    const account = registry.create('ml-team');
    const { id, key } = registry.createKey('ml-team');
    expect(registry.authenticate(key)).toEqual({ ...account, keyId: id });
  });

  it('tells accounts apart', () => {
    registry.create('ml-team');
    const other = registry.create('other');
    registry.createKey('ml-team');
    const { id, key } = registry.createKey('other');
    expect(registry.authenticate(key)).toEqual({ ...other, keyId: id });
  });

  it('returns undefined for unknown key', () => {
    registry.create('ml-team');
    registry.createKey('ml-team');
    expect(registry.authenticate('lk_unknown')).toBeUndefined();
  });

  it('returns undefined for the hash', () => {
    registry.create('ml-team');
    const { key } = registry.createKey('ml-team');
    const hash = createHash('sha256').update(key).digest('hex');
    expect(registry.authenticate(hash)).toBeUndefined();
  });

  it('stops right after revokeKey', () => {
    registry.create('ml-team');
    const created = registry.createKey('ml-team');
    expect(registry.authenticate(created.key)).toBeDefined();
    registry.revokeKey(created.id);
    expect(registry.authenticate(created.key)).toBeUndefined();
  });

  it('keeps other keys after revokeKey', () => {
    const account = registry.create('ml-team');
    const revoked = registry.createKey('ml-team');
    const kept = registry.createKey('ml-team');
    registry.revokeKey(revoked.id);
    expect(registry.authenticate(kept.key)).toEqual({ ...account, keyId: kept.id });
  });
});

describe('AccountRegistry.revokeKey', () => {
  beforeEach(() => {
    registry.create('ml-team');
  });

  it('sets revokedAt', () => {
    const { id } = registry.createKey('ml-team');
    expect(registry.revokeKey(id).revokedAt).toBe('2025-01-01T00:00:02.000Z');
  });

  it('keeps first revokedAt on repeat', () => {
    const { id } = registry.createKey('ml-team');
    const first = registry.revokeKey(id);
    expect(registry.revokeKey(id).revokedAt).toBe(first.revokedAt);
  });

  it('revokes the S3 credentials made with the key', () => {
    const account = registry.findByName('ml-team')!;
    const revoked = registry.createKey('ml-team');
    const kept = registry.createKey('ml-team');
    const credentials = new CredentialStore(db);
    const ofRevoked = credentials.issue(account.id, 900, revoked.id);
    const ofKept = credentials.issue(account.id, 900, kept.id);
    const ofRun = credentials.issueFor(account.id, 900);

    registry.revokeKey(revoked.id);
    expect(credentials.find(ofRevoked.accessKey)).toBeUndefined();
    expect(credentials.find(ofKept.accessKey)).toBeDefined();
    expect(credentials.find(ofRun.accessKey)).toBeDefined();
  });

  it('shows revocation in listKeys', () => {
    const { id } = registry.createKey('ml-team');
    const revoked = registry.revokeKey(id);
    expect(registry.listKeys('ml-team')).toEqual([revoked]);
  });

  describe('unknown id', () => {
    it('throws NotFoundError', () => {
      expect(() => registry.revokeKey('key_0000000000000000')).toThrow(NotFoundError);
    });

    it('names the id', () => {
      expect(() => registry.revokeKey('key_0000000000000000')).toThrow(
        'API key "key_0000000000000000" not found',
      );
    });
  });
});
