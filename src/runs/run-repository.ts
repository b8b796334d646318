import type { SqliteDatabase } from '../db/database.js';
import type { RunRecord, RunSpec, RunStatus } from './run-record.js';

interface RunRow {
  id: string;
  account_id: string;
  kind: string;
  status: string;
  file_name: string | null;
  spec: string;
  return_code: number | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** The listing view of a run: its record without the spec, except for the image and execution type. */
export interface RunSummary {
  id: string;
  kind: RunRecord['kind'];
  status: RunStatus;
  fileName: string | null;
  /** The image of a Docker or Python run, null for Compose runs. */
  image: string | null;
  executionType: string | null;
  returnCode: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface SummaryRow {
  id: string;
  kind: string;
  status: string;
  file_name: string | null;
  image: string | null;
  execution_type: string | null;
  return_code: number | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Run records in SQLite. Every read by id is scoped to an account, so one account never reads another's runs. */
export class RunRepository {
  constructor(private readonly db: SqliteDatabase) {}

  insert(record: RunRecord): void {
    this.db
      .prepare(
        `INSERT INTO runs (id, account_id, kind, status, file_name, spec, return_code, error, created_at, started_at, finished_at)
         VALUES (@id, @accountId, @kind, @status, @fileName, @spec, @returnCode, @error, @createdAt, @startedAt, @finishedAt)`,
      )
      .run({ ...record, spec: JSON.stringify(record.spec) });
  }

  /** Returns the run with this id if it belongs to `accountId`. */
  findForAccount(accountId: string, id: string): RunRecord | undefined {
    const row = this.db
      .prepare<[string, string], RunRow>('SELECT * FROM runs WHERE id = ? AND account_id = ?')
      .get(id, accountId);
    return row === undefined ? undefined : fromRow(row);
  }

  findById(id: string): RunRecord | undefined {
    const row = this.db.prepare<[string], RunRow>('SELECT * FROM runs WHERE id = ?').get(id);
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * Returns summaries of the account's newest runs, newest first. SQLite reads the two fields
   * of each spec it needs, so a listing costs little however large the specs are.
   */
  listSummaries(accountId: string, limit = 1000): RunSummary[] {
    return this.db
      .prepare<[string, number], SummaryRow>(
        `SELECT id, kind, status, file_name, return_code, created_at, started_at, finished_at,
           json_extract(spec, '$.image') AS image,
           json_extract(spec, '$.executionType') AS execution_type
         FROM runs WHERE account_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(accountId, limit)
      .map((row) => ({
        id: row.id,
        kind: row.kind as RunRecord['kind'],
        status: row.status as RunStatus,
        fileName: row.file_name,
        image: row.image,
        executionType: row.execution_type,
        returnCode: row.return_code,
        createdAt: row.created_at,
        startedAt: row.started_at,
        finishedAt: row.finished_at,
      }));
  }

  listForAccount(accountId: string, limit = 1000): RunRecord[] {
    return this.db
      .prepare<[string, number], RunRow>(
        'SELECT * FROM runs WHERE account_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
      )
      .all(accountId, limit)
      .map(fromRow);
  }

  listUnfinished(): RunRecord[] {
    return this.db
      .prepare<[], RunRow>(
        "SELECT * FROM runs WHERE status IN ('pending', 'starting', 'running') ORDER BY created_at",
      )
      .all()
      .map(fromRow);
  }

  markStatus(id: string, status: RunStatus, startedAt?: string): void {
    this.db
      .prepare('UPDATE runs SET status = ?, started_at = COALESCE(?, started_at) WHERE id = ?')
      .run(status, startedAt ?? null, id);
  }

  finish(
    id: string,
    outcome: {
      status: RunStatus;
      returnCode: number | null;
      error: string | null;
      finishedAt: string;
    },
  ): void {
    this.db
      .prepare(
        'UPDATE runs SET status = ?, return_code = ?, error = ?, finished_at = ? WHERE id = ?',
      )
      .run(outcome.status, outcome.returnCode, outcome.error, outcome.finishedAt, id);
  }
}

function fromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    kind: row.kind as RunRecord['kind'],
    status: row.status as RunStatus,
    fileName: row.file_name,
    spec: JSON.parse(row.spec) as RunSpec,
    returnCode: row.return_code,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}
