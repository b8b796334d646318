/** Schema steps in order; the database's user_version counts the steps already applied. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    bucket_name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
  );

  CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
  );

  CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    file_name TEXT,
    spec TEXT NOT NULL,
    return_code INTEGER,
    error TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
  );
  CREATE INDEX runs_by_account ON runs(account_id, created_at);

  CREATE TABLE object_metadata (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns TEXT NOT NULL,
    etag TEXT NOT NULL,
    content_type TEXT,
    user_metadata TEXT,
    PRIMARY KEY (bucket, key)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE s3_credentials (
    access_key TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    secret_key TEXT NOT NULL,
    session_token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
  );
  CREATE INDEX s3_credentials_by_account ON s3_credentials(account_id);
  `,
  `
  CREATE TABLE multipart_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    content_type TEXT,
    user_metadata TEXT,
    created_at TEXT NOT NULL,
    last_activity_at TEXT NOT NULL
  );
  CREATE INDEX multipart_uploads_by_bucket ON multipart_uploads(bucket, key);

  CREATE TABLE multipart_parts (
    upload_id TEXT NOT NULL REFERENCES multipart_uploads(upload_id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
  ) WITHOUT ROWID;
  `,
  `
  ALTER TABLE object_metadata ADD COLUMN ctime_ns TEXT;
  `,
  `
  ALTER TABLE object_metadata ADD COLUMN checksums TEXT;
  `,
  `
  ALTER TABLE s3_credentials ADD COLUMN api_key_id TEXT;
  CREATE INDEX s3_credentials_by_api_key ON s3_credentials(api_key_id);
  `,
  `
  ALTER TABLE object_metadata ADD COLUMN ino TEXT;
  `,
];
