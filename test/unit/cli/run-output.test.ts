import { Writable } from 'node:stream';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../src/cli/api-client.js';
import { attachToRun } from '../../../src/cli/attach-to-run.js';
import type { CliContext } from '../../../src/cli/cli-context.js';
import { printRunOutput } from '../../../src/cli/run-output.js';

const RUN_ID = 'run_test';

interface FakeRun {
  status: string;
  returnCode: number | null;
  error: string | null;
  output: string;
}

/**
 * Starts a loopback server that serves one run's status, output and event stream the way the
 * lyceum server's execution routes do.
 */
async function serveRun(run: FakeRun): Promise<Server> {
  const base = `/api/v2/external/execution/streaming/${RUN_ID}`;
  const server = createServer((request, response) => {
    if (request.url === `${base}/status`) {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          execution_id: RUN_ID,
          status: run.status,
          return_code: run.returnCode,
          error: run.error,
        }),
      );
    } else if (request.url === `${base}/output`) {
      response.setHeader('content-type', 'text/plain; charset=utf-8');
      response.end(run.output);
    } else if (request.url === base) {
      response.setHeader('content-type', 'text/event-stream');
      if (run.output !== '') {
        response.write(`data: ${JSON.stringify({ output: { content: run.output } })}\n\n`);
      }
      const job = { status: run.status, result: { returnCode: run.returnCode, error: run.error } };
      response.end(`data: ${JSON.stringify({ jobFinished: { job } })}\n\n`);
    } else {
      response.statusCode = 404;
      response.end(JSON.stringify({ detail: `No route for ${request.url}` }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Builds a CLI context against `server` that collects what the CLI writes. */
function collectingContext(server: Server): CliContext & { out: string[]; err: string[] } {
  const { port } = server.address() as AddressInfo;
  const client = new ApiClient({
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey: 'lk_test',
    baseUrlSource: 'environment',
    apiKeySource: 'environment',
  });
  const out: string[] = [];
  const err: string[] = [];
  const collector = (into: string[]) =>
    new Writable({
      write(chunk: Buffer | string, _encoding, callback) {
        into.push(chunk.toString());
        callback();
      },
    }) as unknown as NodeJS.WriteStream;
  return {
    client: () => client,
    stdout: collector(out),
    stderr: collector(err),
    env: {},
    out,
    err,
  };
}

describe('printRunOutput', () => {
  let server: Server | undefined;

  afterEach(async () => {
    const running = server;
    server = undefined;
    if (running !== undefined) await new Promise((resolve) => running.close(resolve));
  });

  it('reports a system failure without output', async () => {
    server = await serveRun({
      status: 'system_failure',
      returnCode: null,
      error: 'Image "x:1" is not on this machine.',
      output: '',
    });
    const context = collectingContext(server);
    expect(await printRunOutput(context, RUN_ID)).toBe(125);
    expect(context.out.join('')).toBe('');
    expect(context.err.join('')).toBe(
      `Run ${RUN_ID} ended as system_failure: Image "x:1" is not on this machine.\n`,
    );
  });

  it('prints the output of a running run and returns 0', async () => {
    server = await serveRun({ status: 'running', returnCode: null, error: null, output: 'half\n' });
    const context = collectingContext(server);
    expect(await printRunOutput(context, RUN_ID)).toBe(0);
    expect(context.out.join('')).toBe('half\n');
    expect(context.err).toEqual([]);
  });

  it.each([
    { status: 'system_failure', returnCode: null, error: 'Engine down.', output: '' },
    { status: 'timeout', returnCode: 137, error: 'Stopped after 1 s.', output: 'started\n' },
    { status: 'aborted', returnCode: 143, error: 'Aborted by request.', output: 'started\n' },
    { status: 'failed', returnCode: 127, error: 'Command not found.', output: '' },
    { status: 'failed', returnCode: 3, error: null, output: 'bad input\n' },
    { status: 'completed', returnCode: 0, error: null, output: 'done\n' },
  ])('matches logs -f for $status with code $returnCode', async (run) => {
    server = await serveRun(run);
    const plain = collectingContext(server);
    const followed = collectingContext(server);

    const plainCode = await printRunOutput(plain, RUN_ID);
    const followedCode = await attachToRun(followed, RUN_ID, { abortOnInterrupt: false });

    expect(plainCode).toBe(followedCode);
    expect(plain.out.join('')).toBe(followed.out.join(''));
    expect(plain.err.join('')).toBe(followed.err.join(''));
  });
});
