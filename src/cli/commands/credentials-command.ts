import type { Command } from 'commander';
import { InvalidInputError } from '../../errors/index.js';
import type { CliContext } from '../cli-context.js';
import { MAX_CREDENTIAL_SECONDS, MIN_CREDENTIAL_SECONDS } from '../../storage/credential-limits.js';
import { printResult } from '../cli-context.js';

interface IssuedCredentials {
  access_key: string;
  secret_key: string;
  session_token: string;
  endpoint: string;
  bucket_name: string;
  region: string;
  expires_at: string;
}

/** `lyceum storage credentials`: temporary S3 credentials for the account's bucket. */
export function registerCredentialsCommand(storage: Command, context: CliContext): void {
  storage
    .command('credentials')
    .description('Print temporary S3 credentials for your bucket')
    .option('--json', 'print them as JSON')
    .option('--env', 'print them as export lines: eval "$(lyceum storage credentials --env)"')
    .option('--duration <seconds>', 'lifetime in seconds, 900 to 43200 (default 3600)')
    .option('--revoke-all', 'revoke every temporary credential of your account instead')
    .action(
      async (options: {
        json?: boolean;
        env?: boolean;
        duration?: string;
        revokeAll?: boolean;
      }) => {
        if (options.json && options.env) {
          throw new InvalidInputError('Give either --json or --env, not both.');
        }
        if (options.revokeAll) {
          const result = await context
            .client()
            .json<{ revoked_count: number }>('/storage/credentials', { method: 'DELETE' });
          printResult(
            context,
            options.json,
            result,
            () =>
              `Revoked ${result.revoked_count} credential${result.revoked_count === 1 ? '' : 's'}.`,
          );
          return;
        }
        const body: Record<string, number> = {};
        if (options.duration !== undefined) {
          const seconds = Number(options.duration);
          if (!Number.isInteger(seconds)) {
            throw new InvalidInputError(
              `--duration ${JSON.stringify(options.duration)} must be a whole number of seconds.`,
            );
          }
          if (seconds < MIN_CREDENTIAL_SECONDS || seconds > MAX_CREDENTIAL_SECONDS) {
            throw new InvalidInputError(
              `--duration ${seconds} is out of range; give ${MIN_CREDENTIAL_SECONDS} to ` +
                `${MAX_CREDENTIAL_SECONDS} seconds.`,
            );
          }
          body.duration_seconds = seconds;
        }
        const issued = await context
          .client()
          .postJson<IssuedCredentials>('/storage/credentials', body);
        if (options.env) {
          context.stdout.write(exportLines(issued));
          return;
        }
        printResult(context, options.json, issued, () =>
          [
            `Access key:    ${issued.access_key}`,
            `Secret key:    ${issued.secret_key}`,
            `Session token: ${issued.session_token}`,
            `Endpoint:      ${issued.endpoint} (path-style addressing)`,
            `Bucket:        ${issued.bucket_name}`,
            `Region:        ${issued.region}`,
            `Expires at:    ${issued.expires_at}`,
          ].join('\n'),
        );
      },
    );
}

/** Renders the credentials with the AWS SDKs' own variable names, quoted for POSIX shells. */
export function exportLines(issued: IssuedCredentials): string {
  const variables: [string, string][] = [
    ['AWS_ACCESS_KEY_ID', issued.access_key],
    ['AWS_SECRET_ACCESS_KEY', issued.secret_key],
    ['AWS_SESSION_TOKEN', issued.session_token],
    ['AWS_ENDPOINT_URL', issued.endpoint],
    ['AWS_ENDPOINT_URL_S3', issued.endpoint],
    ['AWS_REGION', issued.region],
    ['AWS_DEFAULT_REGION', issued.region],
    ['LYCEUM_S3_BUCKET', issued.bucket_name],
    ['LYCEUM_S3_ENDPOINT', issued.endpoint],
  ];
  return variables.map(([name, value]) => `export ${name}=${shellQuote(value)}\n`).join('');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
