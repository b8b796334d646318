import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RunRecord } from '../../runs/run-record.js';
import type { AppContext } from '../app-context.js';
import { toComposeRunSpec } from '../compose-start-request.js';
import { toDockerRunSpec } from '../docker-start-request.js';
import { toPythonRunSpec } from '../python-start-request.js';
import { streamRunEvents } from '../run-events.js';
import { TooManyRequestsError } from '../../errors/index.js';

type IdParams = { id: string };

/** Execution routes: start runs, stream them, read their status, list and abort them. */
export function registerExecutionRoutes(app: FastifyInstance, context: AppContext): void {
  const { runs, config } = context;

  const startReply = (record: RunRecord) => ({
    execution_id: record.id,
    status: record.status,
    streaming_url: `${context.publicUrl()}/api/v2/external/execution/streaming/${record.id}`,
  });

  app.post('/execution/image/start', async (request) => {
    const spec = toDockerRunSpec(request.body, config);
    const fileName = (request.body as { file_name?: string | null }).file_name ?? null;
    const record = await runs.start(request.account, spec, fileName);
    request.log.info({ runId: record.id, image: spec.image }, 'Accepted Docker run');
    return startReply(record);
  });

  app.post('/execution/streaming/start', async (request) => {
    const spec = toPythonRunSpec(request.body, config);
    const record = await runs.start(request.account, spec, spec.fileName);
    request.log.info({ runId: record.id, image: spec.image }, 'Accepted Python run');
    return startReply(record);
  });

  app.post('/execution/compose/start', async (request) => {
    const spec = toComposeRunSpec(request.body, config);
    const fileName = (request.body as { file_name?: string | null }).file_name ?? null;
    const record = await runs.start(request.account, spec, fileName);
    request.log.info(
      { runId: record.id, mainService: spec.mainService, mount: spec.enableS3Mount === true },
      'Accepted Compose run',
    );
    return startReply(record);
  });

  const streams = new Map<string, number>();
  const stream = async (request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply) => {
    const { id } = request.params;
    const accountId = request.account.id;
    const output = await runs.output(accountId, id);
    const open = streams.get(accountId) ?? 0;
    // Each stream uses a connection and a file, so one account cannot use them all.
    if (open >= config.maxStreamsPerAccount) {
      throw new TooManyRequestsError(
        `This account follows ${open} run streams already, the most it may ` +
          '(LYCEUM_MAX_STREAMS_PER_ACCOUNT); close some first.',
      );
    }
    streams.set(accountId, open + 1);
    try {
      await streamRunEvents(reply, output, () => runs.waitForEnd(accountId, id));
    } finally {
      const left = (streams.get(accountId) ?? 1) - 1;
      if (left === 0) streams.delete(accountId);
      else streams.set(accountId, left);
    }
  };
  app.get<{ Params: IdParams }>('/execution/streaming/:id', stream);
  app.post<{ Params: IdParams }>('/execution/streaming/:id', stream);

  // Not in Lyceum's API: the output written so far, as stored, without following the run.
  app.get<{ Params: IdParams }>('/execution/streaming/:id/output', async (request, reply) => {
    const output = await runs.output(request.account.id, request.params.id);
    return reply.type('text/plain; charset=utf-8').send(output.readStream());
  });

  app.get<{ Params: IdParams }>('/execution/streaming/:id/status', async (request) => {
    const record = runs.get(request.account.id, request.params.id);
    return {
      execution_id: record.id,
      status: record.status,
      return_code: record.returnCode,
      error: record.error,
      created_at: record.createdAt,
      started_at: record.startedAt,
      finished_at: record.finishedAt,
    };
  });

  app.get('/workloads/list', async (request) =>
    runs.listSummaries(request.account.id).map((run) => ({
      execution_id: run.id,
      status: run.status,
      file_name: run.fileName,
      execution_kind: run.kind,
      execution_type: run.executionType,
      image: run.image,
      created_at: run.createdAt,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
      return_code: run.returnCode,
    })),
  );

  app.post<{ Params: IdParams }>('/workloads/abort/:id', async (request) => {
    const record = await runs.abort(request.account.id, request.params.id);
    return { execution_id: record.id, status: record.status };
  });
}
