import { loadClientConfig } from '../config/client-config.js';
import { ApiClient } from './api-client.js';

/** Services every command gets: the API client and the output streams. */
export interface CliContext {
  client(): ApiClient;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export function createCliContext(env: NodeJS.ProcessEnv = process.env): CliContext {
  let client: ApiClient | undefined;
  return {
    client: () => (client ??= new ApiClient(loadClientConfig(env))),
    stdout: process.stdout,
    stderr: process.stderr,
    env,
  };
}

/** Prints data as JSON with `--json`, else as the human form. */
export function printResult(
  context: CliContext,
  json: boolean | undefined,
  data: unknown,
  human: () => string,
): void {
  const text = json ? JSON.stringify(data, null, 2) : human();
  if (text !== '') context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}
