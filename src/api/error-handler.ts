import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { LyceumError } from '../errors/index.js';

/**
 * The one place that turns errors into responses: JSON `{detail}` with the status the error class
 * fixes. Unknown errors are logged with their stack and get a generic 500.
 */
export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (error instanceof LyceumError) {
    if (error.httpStatus >= 500) request.log.warn({ err: error }, 'Request failed');
    return reply.status(error.httpStatus).send({ detail: error.message });
  }
  if (error instanceof ZodError) {
    return reply.status(422).send({ detail: describeZodError(error) });
  }
  const statusCode = (error as FastifyError).statusCode;
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return reply.status(statusCode).send({ detail: error.message });
  }
  request.log.error({ err: error }, 'Unexpected error while handling a request');
  return reply
    .status(500)
    .send({ detail: 'Unexpected server error; the server log has the details.' });
}

/** Lists each invalid field with its problem, for example "timeout: must be at most 86400". */
export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}
