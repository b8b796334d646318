import { randomBytes } from 'node:crypto';
import { StatementCache, type SqliteDatabase } from '../db/database.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.js';
import { generateApiKey, hashApiKey } from './api-key.js';

export interface Account {
  id: string;
  name: string;
  bucketName: string;
  createdAt: string;
}

export interface ApiKeyInfo {
  id: string;
  accountId: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

/** An account as a request's API key identifies it, with the id of that key. */
export interface AuthenticatedAccount extends Account {
  keyId: string;
}

/** A key as created: the plain key is shown to the user once and never stored. */
export interface CreatedApiKey extends ApiKeyInfo {
  key: string;
}

const ACCOUNT_NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$|^[a-z]$/;

/** Checks an account name: 1 to 40 lowercase letters, digits and inner hyphens, starting with a letter. */
export function validateAccountName(name: string): string {
  if (!ACCOUNT_NAME.test(name)) {
    throw new InvalidInputError(
      `Account name ${JSON.stringify(name)} is invalid; use 1 to 40 lowercase letters, digits and ` +
        'hyphens, starting with a letter and not ending with a hyphen, for example ml-team.',
    );
  }
  return name;
}

interface AccountRow {
  id: string;
  name: string;
  bucket_name: string;
  created_at: string;
}

interface KeyRow {
  id: string;
  account_id: string;
  name: string;
  created_at: string;
  revoked_at: string | null;
}

/** Accounts and their API keys, in the server's SQLite database. */
export class AccountRegistry {
  private readonly statements: StatementCache;
  private readonly byId = new Map<string, Readonly<Account>>();

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.statements = new StatementCache(db);
  }

  create(name: string): Account {
    validateAccountName(name);
    if (this.findByName(name) !== undefined) {
      throw new ConflictError(
        `Account ${JSON.stringify(name)} already exists; choose another name.`,
      );
    }
    const account: Account = {
      id: `acc_${randomBytes(8).toString('hex')}`,
      name,
      bucketName: `lyceum-${name}`,
      createdAt: this.now().toISOString(),
    };
    this.statements
      .prepare('INSERT INTO accounts (id, name, bucket_name, created_at) VALUES (?, ?, ?, ?)')
      .run(account.id, account.name, account.bucketName, account.createdAt);
    return account;
  }

  list(): Account[] {
    const rows = this.statements
      .prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY created_at, name')
      .all();
    return rows.map(toAccount);
  }

  findByName(name: string): Account | undefined {
    const row = this.statements
      .prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?')
      .get(name);
    return row === undefined ? undefined : toAccount(row);
  }

  getByName(name: string): Account {
    const account = this.findByName(name);
    if (account === undefined) {
      throw new NotFoundError(
        `Account ${JSON.stringify(name)} not found; "lyceum accounts list" shows the accounts.`,
      );
    }
    return account;
  }

  findByBucket(bucketName: string): Account | undefined {
    const row = this.statements
      .prepare<[string], AccountRow>('SELECT * FROM accounts WHERE bucket_name = ?')
      .get(bucketName);
    return row === undefined ? undefined : toAccount(row);
  }

  /**
   * Finds an account by id, as every S3 request does. Accounts never change once made, so a found
   * account is kept in memory, and a missing one is looked up again on the next call.
   */
  findById(id: string): Account | undefined {
    const known = this.byId.get(id);
    if (known !== undefined) return known;
    const row = this.statements
      .prepare<[string], AccountRow>('SELECT * FROM accounts WHERE id = ?')
      .get(id);
    if (row === undefined) return undefined;
    const account = Object.freeze(toAccount(row));
    this.byId.set(id, account);
    return account;
  }

  createKey(accountName: string, keyName = 'default'): CreatedApiKey {
    const account = this.getByName(accountName);
    const key = generateApiKey();
    const info: ApiKeyInfo = {
      id: `key_${randomBytes(8).toString('hex')}`,
      accountId: account.id,
      name: keyName,
      createdAt: this.now().toISOString(),
      revokedAt: null,
    };
    this.statements
      .prepare(
        'INSERT INTO api_keys (id, account_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(info.id, info.accountId, info.name, hashApiKey(key), info.createdAt);
    return { ...info, key };
  }

  listKeys(accountName: string): ApiKeyInfo[] {
    const account = this.getByName(accountName);
    const rows = this.statements
      .prepare<[string], KeyRow>(
        'SELECT id, account_id, name, created_at, revoked_at FROM api_keys WHERE account_id = ? ORDER BY created_at',
      )
      .all(account.id);
    return rows.map(toKeyInfo);
  }

  revokeKey(keyId: string): ApiKeyInfo {
    const row = this.statements
      .prepare<[string], KeyRow>(
        'SELECT id, account_id, name, created_at, revoked_at FROM api_keys WHERE id = ?',
      )
      .get(keyId);
    if (row === undefined) {
      throw new NotFoundError(
        `API key ${JSON.stringify(keyId)} not found; "lyceum accounts keys list NAME" shows key ids.`,
      );
    }
    if (row.revoked_at === null) {
      row.revoked_at = this.now().toISOString();
      const revokedAt = row.revoked_at;
      this.db.transaction(() => {
        this.statements
          .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ?')
          .run(revokedAt, keyId);
        // A leaked key must not live on in the S3 credentials made with it.
        this.statements
          .prepare(
            'UPDATE s3_credentials SET revoked_at = ? WHERE api_key_id = ? AND revoked_at IS NULL',
          )
          .run(revokedAt, keyId);
        // An account left without keys keeps no way in: its S3 credentials go with the last key.
        const active = this.statements
          .prepare<[string], { count: number }>(
            'SELECT COUNT(*) AS count FROM api_keys WHERE account_id = ? AND revoked_at IS NULL',
          )
          .get(row.account_id)!.count;
        if (active === 0) {
          this.statements
            .prepare(
              'UPDATE s3_credentials SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL',
            )
            .run(revokedAt, row.account_id);
        }
      })();
    }
    return toKeyInfo(row);
  }

  /** Returns the account a key belongs to, or undefined for an unknown or revoked key. */
  authenticate(key: string): AuthenticatedAccount | undefined {
    const row = this.statements
      .prepare<[string], AccountRow & { key_id: string }>(
        `SELECT accounts.*, api_keys.id AS key_id FROM api_keys
         JOIN accounts ON accounts.id = api_keys.account_id
         WHERE api_keys.key_hash = ? AND api_keys.revoked_at IS NULL`,
      )
      .get(hashApiKey(key));
    return row === undefined ? undefined : { ...toAccount(row), keyId: row.key_id };
  }
}

function toAccount(row: AccountRow): Account {
  return { id: row.id, name: row.name, bucketName: row.bucket_name, createdAt: row.created_at };
}

function toKeyInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
