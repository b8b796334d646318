import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { StatementCache, type SqliteDatabase } from '../db/database.js';
import { UnauthorizedError, UnprocessableInputError } from '../errors/index.js';

import {
  DEFAULT_CREDENTIAL_SECONDS,
  MAX_CREDENTIAL_SECONDS,
  MIN_CREDENTIAL_SECONDS,
} from './credential-limits.js';

export { DEFAULT_CREDENTIAL_SECONDS, MAX_CREDENTIAL_SECONDS, MIN_CREDENTIAL_SECONDS };

/** Temporary S3 credentials as handed to a user or a run. */
export interface IssuedCredentials {
  accessKey: string;
  secretKey: string;
  sessionToken: string;
  expiresAt: Date;
}

/** The stored facts the S3 endpoint checks a request signed with an access key against. */
export interface CredentialLookup {
  accountId: string;
  secretKey: string;
  expiresAt: Date;
  /** True when `sessionToken` is the token issued with this access key. */
  matchesToken(sessionToken: string | undefined): boolean;
}

interface CredentialRow {
  account_id: string;
  secret_key: string;
  session_token_hash: string;
  expires_at: string;
}

const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * Temporary, bucket-scoped S3 credentials in SQLite. SigV4 needs the secret itself to check a
 * signature, so secrets are stored as issued (the data directory is mode 0700); session tokens are
 * only compared, so only their hash is stored.
 */
export class CredentialStore {
  private readonly statements: StatementCache;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.statements = new StatementCache(db);
  }

  /** Issues credentials that a user asked for with the API key `apiKeyId`, which they die with. */
  issue(
    accountId: string,
    durationSeconds = DEFAULT_CREDENTIAL_SECONDS,
    apiKeyId?: string,
  ): IssuedCredentials {
    validateDuration(durationSeconds);
    return this.issueFor(accountId, durationSeconds, apiKeyId);
  }

  /**
   * Issues credentials for a run, whose lifetime follows the run's timeout and so may pass the
   * limit users can ask for.
   */
  issueFor(accountId: string, durationSeconds: number, apiKeyId?: string): IssuedCredentials {
    const issuedAt = this.now();
    const credentials: IssuedCredentials = {
      accessKey: `LYC${randomAccessKeyBody()}`,
      secretKey: randomBytes(30).toString('base64url'),
      sessionToken: randomBytes(48).toString('base64url'),
      expiresAt: new Date(issuedAt.getTime() + durationSeconds * 1000),
    };
    // The key check and the insert are one statement, so credentials cannot be made with a key
    // that another process revokes meanwhile: the revocation either comes first or covers them.
    const inserted = this.statements
      .prepare(
        `INSERT INTO s3_credentials
           (access_key, account_id, secret_key, session_token_hash, created_at, expires_at, api_key_id)
         SELECT ?, ?, ?, ?, ?, ?, ?
         WHERE ? IS NULL OR EXISTS (SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL)`,
      )
      .run(
        credentials.accessKey,
        accountId,
        credentials.secretKey,
        hashToken(credentials.sessionToken),
        issuedAt.toISOString(),
        credentials.expiresAt.toISOString(),
        apiKeyId ?? null,
        apiKeyId ?? null,
        apiKeyId ?? null,
      );
    if (inserted.changes === 0) {
      throw new UnauthorizedError(
        'The API key was revoked while the credentials were being made; none were made. Use a valid key.',
      );
    }
    return credentials;
  }

  /** Finds an access key that is not revoked; expiry is left to the caller, which reports it apart. */
  find(accessKey: string): CredentialLookup | undefined {
    const row = this.statements
      .prepare<[string], CredentialRow>(
        `SELECT account_id, secret_key, session_token_hash, expires_at FROM s3_credentials
         WHERE access_key = ? AND revoked_at IS NULL`,
      )
      .get(accessKey);
    if (row === undefined) return undefined;
    const expected = Buffer.from(row.session_token_hash, 'hex');
    return {
      accountId: row.account_id,
      secretKey: row.secret_key,
      expiresAt: new Date(row.expires_at),
      matchesToken: (sessionToken) =>
        sessionToken !== undefined &&
        timingSafeEqual(Buffer.from(hashToken(sessionToken), 'hex'), expected),
    };
  }

  /** Revokes one access key, such as a finished run's. */
  revoke(accessKey: string): void {
    this.statements
      .prepare(
        'UPDATE s3_credentials SET revoked_at = ? WHERE access_key = ? AND revoked_at IS NULL',
      )
      .run(this.now().toISOString(), accessKey);
  }

  /** Revokes every credential of an account at once; returns how many were still active. */
  revokeAll(accountId: string): number {
    return this.statements
      .prepare(
        'UPDATE s3_credentials SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL',
      )
      .run(this.now().toISOString(), accountId).changes;
  }

  /** Deletes credentials that expired more than a day ago, so the table does not grow forever. */
  prune(): number {
    const cutoff = new Date(this.now().getTime() - 86_400_000).toISOString();
    return this.statements.prepare('DELETE FROM s3_credentials WHERE expires_at < ?').run(cutoff)
      .changes;
  }
}

/** Checks a requested lifetime against the allowed range, in seconds. */
export function validateDuration(durationSeconds: number): number {
  if (
    !Number.isInteger(durationSeconds) ||
    durationSeconds < MIN_CREDENTIAL_SECONDS ||
    durationSeconds > MAX_CREDENTIAL_SECONDS
  ) {
    throw new UnprocessableInputError(
      `duration_seconds ${durationSeconds} is out of range; give a whole number from ` +
        `${MIN_CREDENTIAL_SECONDS} to ${MAX_CREDENTIAL_SECONDS} seconds.`,
    );
  }
  return durationSeconds;
}

function randomAccessKeyBody(): string {
  const bytes = randomBytes(17);
  return Array.from(bytes, (byte) => ACCESS_KEY_ALPHABET[byte % 32]).join('');
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
