import { describe, expect, it } from 'vitest';
import { AccountRegistry } from '../../../src/accounts/account-registry.js';
import { openDatabase } from '../../../src/db/database.js';
import { UnauthorizedError, UnprocessableInputError } from '../../../src/errors/index.js';
import { CredentialStore } from '../../../src/storage/credential-store.js';

function setup(now = () => new Date('2026-01-01T00:00:00Z')) {
  const db = openDatabase(':memory:');
  const account = new AccountRegistry(db).create('alice');
  return { db, account, store: new CredentialStore(db, now) };
}

describe('CredentialStore', () => {
  it('issues credentials that it finds again', () => {
    const { account, store } = setup();
    const issued = store.issue(account.id, 900);
    expect(issued.accessKey).toMatch(/^LYC[A-Z2-7]{17}$/);
    expect(issued.expiresAt.toISOString()).toBe('2026-01-01T00:15:00.000Z');
    const found = store.find(issued.accessKey);
    expect(found?.accountId).toBe(account.id);
    expect(found?.secretKey).toBe(issued.secretKey);
    expect(found?.matchesToken(issued.sessionToken)).toBe(true);
    expect(found?.matchesToken('other')).toBe(false);
    expect(found?.matchesToken(undefined)).toBe(false);
  });

  it('makes no credentials with a revoked key', () => {
    const { db, account, store } = setup();
    const registry = new AccountRegistry(db);
    const key = registry.createKey('alice');
    registry.revokeKey(key.id);
    expect(() => store.issue(account.id, 900, key.id)).toThrow(UnauthorizedError);
    expect(() => store.issue(account.id, 900, key.id)).toThrow(
      'The API key was revoked while the credentials were being made; none were made.',
    );
    expect(db.prepare('SELECT COUNT(*) AS count FROM s3_credentials').get()).toEqual({ count: 0 });
  });

  it('stores only a hash of the session token', () => {
    const { db, account, store } = setup();
    const issued = store.issue(account.id);
    const rows = JSON.stringify(db.prepare('SELECT * FROM s3_credentials').all());
    expect(rows).not.toContain(issued.sessionToken);
  });

  it.each([899, 43_201, 1000.5])('rejects a duration of %s seconds', (seconds) => {
    const { account, store } = setup();
    expect(() => store.issue(account.id, seconds)).toThrow(UnprocessableInputError);
  });

  it('issues longer credentials for runs', () => {
    const { account, store } = setup();
    const issued = store.issueFor(account.id, 90_000);
    expect(issued.expiresAt.toISOString()).toBe('2026-01-02T01:00:00.000Z');
  });

  it('revokes one key or all of an account', () => {
    const { account, store } = setup();
    const first = store.issue(account.id);
    const second = store.issue(account.id);
    store.revoke(first.accessKey);
    expect(store.find(first.accessKey)).toBeUndefined();
    expect(store.find(second.accessKey)).toBeDefined();
    expect(store.revokeAll(account.id)).toBe(1);
    expect(store.find(second.accessKey)).toBeUndefined();
  });

  it('prunes credentials expired over a day ago', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const { account, store } = setup(() => now);
    const issued = store.issue(account.id, 900);
    now = new Date('2026-01-02T00:10:00Z');
    expect(store.prune()).toBe(0);
    now = new Date('2026-01-02T00:16:00Z');
    expect(store.prune()).toBe(1);
    expect(store.find(issued.accessKey)).toBeUndefined();
  });
});
