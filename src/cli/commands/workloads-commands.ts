import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import type { CliContext } from '../cli-context.js';
import { printResult } from '../cli-context.js';
import { attachToRun } from '../attach-to-run.js';
import { printRunOutput } from '../run-output.js';

interface WorkloadSummary {
  execution_id: string;
  status: string;
  file_name: string | null;
  execution_kind: string;
  /** The image of a Docker or Python run; null for Compose runs. */
  image: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  return_code: number | null;
}

/** `lyceum workloads list|abort|logs`: the account's runs. */
export function registerWorkloadsCommands(program: Command, context: CliContext): void {
  const workloads = program.command('workloads').description("Your account's runs");

  workloads
    .command('list')
    .description('List runs, newest first')
    .option('-n, --limit <count>', 'show only the newest COUNT runs')
    .option('--json', 'print the runs as JSON')
    .action(async (options: { json?: boolean; limit?: string }) => {
      const limit = options.limit === undefined ? undefined : parseLimit(options.limit);
      const runs = (await context.client().json<WorkloadSummary[]>('/workloads/list')).slice(
        0,
        limit,
      );
      printResult(context, options.json, runs, () => formatRuns(runs));
    });

  workloads
    .command('abort')
    .description('Stop a run: a graceful signal, then a kill')
    .argument('<id>', 'the execution id')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      const result = await context
        .client()
        .json<{ execution_id: string; status: string }>(
          `/workloads/abort/${encodeURIComponent(id)}`,
          {
            method: 'POST',
          },
        );
      printResult(context, options.json, result, () =>
        result.status === 'aborted'
          ? `Run ${result.execution_id} is aborted.`
          : `Run ${result.execution_id} had already ended as ${result.status}; nothing to abort.`,
      );
    });

  workloads
    .command('logs')
    .description(
      "Print a run's output so far; for a run that has ended, exit with its code as -f does",
    )
    .argument('<id>', 'the execution id')
    .option('-f, --follow', 'keep printing output until the run ends, then exit with its code')
    .action(async (id: string, options: { follow?: boolean }) => {
      process.exitCode = options.follow
        ? await attachToRun(context, id, { abortOnInterrupt: false })
        : await printRunOutput(context, id);
    });
}

function parseLimit(text: string): number {
  const limit = Number(text);
  if (!/^\d+$/.test(text) || limit < 1) {
    throw new InvalidInputError(
      `-n/--limit ${JSON.stringify(text)} is not a count; give 1 or more.`,
    );
  }
  return limit;
}

function formatRuns(runs: WorkloadSummary[]): string {
  if (runs.length === 0) return 'No runs yet.';
  const header = ['EXECUTION ID', 'KIND', 'STATUS', 'EXIT', 'CREATED', 'FINISHED', 'NAME OR IMAGE'];
  const rows = runs.map((run) => [
    run.execution_id,
    run.execution_kind,
    run.status,
    run.return_code === null ? '-' : String(run.return_code),
    run.created_at,
    run.finished_at ?? '-',
    run.file_name ?? run.image ?? '',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
