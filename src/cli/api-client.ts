import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClientConfig } from '../config/client-config.js';
import { LyceumError, UnauthorizedError } from '../errors/index.js';

/** An error response of the server, with its status and `detail`. */
export class ApiError extends LyceumError {
  override readonly exitCode: number;

  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
    // 400 and 422 mean the request itself was wrong, which the CLI reports as a usage error.
    this.exitCode = status === 400 || status === 422 ? 2 : 1;
  }
}

/** The server could not be reached at all. */
export class ServerUnreachableError extends LyceumError {}

const API_PREFIX = '/api/v2/external';

/** A thin client of the REST API; every method maps to one route. */
export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  /** Sends a request to a path under /api/v2/external and returns the response if it is a success. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const { baseUrl, apiKey } = this.config;
    if (apiKey === undefined) {
      throw new UnauthorizedError(
        `No API key configured for ${this.config.baseUrl}; run "lyceum auth login --api-key lk_...", ` +
          'set LYCEUM_API_KEY, or, for a server on this machine, set LYCEUM_DATA_DIR to its data directory.',
      );
    }
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${apiKey}`);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${API_PREFIX}${path}`, { ...init, headers });
    } catch (error) {
      throw new ServerUnreachableError(
        `Cannot reach the lyceum server at ${baseUrl} (${describeFetchError(error)}); ` +
          'start it with "lyceum server", or set the URL with "lyceum auth login --url" or LYCEUM_API_URL.',
        { cause: error },
      );
    }
    if (!response.ok) throw await toApiError(response);
    return response;
  }

  /**
   * Sends a request through node:http, streaming `body` with backpressure, and returns the
   * response stream if it is a success. Used for transfers, where fetch would buffer the upload.
   */
  async stream(
    path: string,
    options: { method?: string; headers?: Record<string, string>; body?: Readable } = {},
  ): Promise<IncomingMessage> {
    const { baseUrl, apiKey } = this.config;
    if (apiKey === undefined) {
      throw new UnauthorizedError(
        `No API key configured for ${this.config.baseUrl}; run "lyceum auth login --api-key lk_...", ` +
          'set LYCEUM_API_KEY, or, for a server on this machine, set LYCEUM_DATA_DIR to its data directory.',
      );
    }
    const url = new URL(`${baseUrl}${API_PREFIX}${path}`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const outgoing = send(url, {
        method: options.method ?? 'GET',
        headers: { ...options.headers, authorization: `Bearer ${apiKey}` },
      });
      outgoing.on('response', resolve);
      outgoing.on('error', reject);
      if (options.body === undefined) {
        outgoing.end();
      } else {
        pipeline(options.body, outgoing).catch(reject);
      }
    }).catch((error: unknown) => {
      throw new ServerUnreachableError(
        `Cannot reach the lyceum server at ${baseUrl} (${describeFetchError(error)}); ` +
          'start it with "lyceum server", or set the URL with "lyceum auth login --url" or LYCEUM_API_URL.',
        { cause: error },
      );
    });
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300) return response;
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    throw await toApiError(
      new Response(Buffer.concat(chunks), { status, statusText: response.statusMessage ?? '' }),
    );
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, init);
    return (await response.json()) as T;
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let detail = text;
  try {
    const parsed = JSON.parse(text) as { detail?: unknown };
    if (parsed.detail !== undefined) {
      detail = typeof parsed.detail === 'string' ? parsed.detail : JSON.stringify(parsed.detail);
    }
  } catch {
    // Not JSON: keep the text as it came.
  }
  return new ApiError(
    response.status,
    detail || `The server answered ${response.status} ${response.statusText}.`,
  );
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: string }).code;
  return cause?.code ?? cause?.message ?? code ?? (error as Error).message;
}
