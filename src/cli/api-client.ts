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
        'No API key configured; run "lyceum auth login --api-key lk_..." or set LYCEUM_API_KEY.',
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
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
