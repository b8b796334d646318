import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClientConfig } from '../config/client-config.js';
import { LyceumError, UnauthorizedError } from '../errors/index.js';
import { withoutUserInfo } from '../config/shown-url.js';
import { extraCaContext } from './extra-ca-certificates.js';

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

/** Tells whether a response failed because its connection closed, as when the server stops. */
export function isConnectionLost(error: unknown): boolean {
  const { code, message } = error as NodeJS.ErrnoException;
  return code === 'ECONNRESET' || message === 'aborted';
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A stream is sent with backpressure; text is sent as it is. */
  body?: Readable | string;
  signal?: AbortSignal;
}

const API_PREFIX = '/api/v2/external';

/** Time a request waits for the local server to listen again after a restart. */
const LOCAL_RESTART_WAIT_MS = 15_000;
const LOCAL_RESTART_POLL_MS = 100;
/** Time a request waits for a local server that has not yet locked its data directory. */
const LOCAL_START_GRACE_MS = 3000;

/**
 * A thin client of the REST API over node:http. It avoids fetch on purpose: loading fetch costs
 * every CLI command about 15 ms of start-up, and fetch would buffer uploads.
 */
export class ApiClient {
  constructor(readonly config: ClientConfig) {}

  /**
   * Sends a request to a path under /api/v2/external and returns the response stream if it is a
   * success; otherwise reads the error and throws it. The caller consumes the stream.
   */
  async request(path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const { baseUrl: rawUrl, apiKey, unusedLocalServerUrl } = this.config;
    // Messages name the server without a user name or password that the URL may carry.
    const baseUrl = withoutUserInfo(rawUrl);
    if (apiKey === undefined && unusedLocalServerUrl !== undefined) {
      throw new UnauthorizedError(
        `No API key configured for ${baseUrl}. The local server in LYCEUM_DATA_DIR listens at ` +
          `${unusedLocalServerUrl}; point LYCEUM_API_URL there, or log in with a key for ${baseUrl}.`,
      );
    }
    if (apiKey === undefined) {
      throw new UnauthorizedError(
        `No API key configured for ${baseUrl}; run "lyceum auth login --api-key lk_...", ` +
          'set LYCEUM_API_KEY, or, for a server on this machine, set LYCEUM_DATA_DIR to its data directory.',
      );
    }
    const url = new URL(`${rawUrl}${API_PREFIX}${path}`);
    // node:https is loaded only for https URLs: loading it at start-up cost every command a few ms.
    const secure = url.protocol === 'https:';
    const send = secure ? (await import('node:https')).request : httpRequest;
    const secureContext = secure ? await extraCaContext() : undefined;
    const sendOnce = () =>
      new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = send(url, {
          method: options.method ?? 'GET',
          headers: { ...options.headers, authorization: `Bearer ${apiKey}` },
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(secureContext === undefined ? {} : { secureContext }),
        });
        outgoing.on('response', resolve);
        outgoing.on('error', reject);
        const { body } = options;
        if (body === undefined || typeof body === 'string') {
          outgoing.end(body);
        } else {
          pipeline(body, outgoing).catch(reject);
        }
      });
    const response = await this.sendWhileLocalServerRestarts(sendOnce, options).catch(
      (error: unknown) => {
        if (options.signal?.aborted) throw error;
        const code = (error as { code?: string }).code ?? '';
        if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
          throw new ServerUnreachableError(
            `The lyceum server at ${baseUrl} presented a TLS certificate for another host name ` +
              `(${(error as Error).message}); use a URL with a host name that the certificate names.`,
            { cause: error },
          );
        }
        if (/CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/.test(code)) {
          const caFile = process.env.LYCEUM_EXTRA_CA_CERTS || process.env.NODE_EXTRA_CA_CERTS;
          const advice =
            caFile === undefined
              ? "If your own CA signed it, set NODE_EXTRA_CA_CERTS to that CA's PEM file."
              : `NODE_EXTRA_CA_CERTS names ${caFile}, which does not hold the CA that signed it ` +
                '(files without a PEM certificate are ignored); add that CA to it.';
          throw new ServerUnreachableError(
            `The lyceum server at ${baseUrl} presented a TLS certificate that is not trusted ` +
              `(${code}: ${(error as Error).message}). ${advice}`,
            { cause: error },
          );
        }
        if (this.config.baseUrlSource === 'local server') {
          throw new ServerUnreachableError(
            `Cannot reach the local lyceum server at ${baseUrl} (${describeRequestError(error)}), ` +
              'the address its data directory records; start it again with "lyceum server" and ' +
              'the options it had, such as --port.',
            { cause: error },
          );
        }
        throw new ServerUnreachableError(
          `Cannot reach the lyceum server at ${baseUrl} (${describeRequestError(error)}); ` +
            'start it with "lyceum server", or set the URL with "lyceum auth login --url" or LYCEUM_API_URL.',
          { cause: error },
        );
      },
    );
    const status = response.statusCode ?? 0;
    if (response.headers['x-amz-request-id'] !== undefined) {
      response.resume();
      throw new ApiError(
        400,
        `${baseUrl} is an S3 endpoint, not the lyceum API; the API listens on another port ` +
          '(8790 by default, next to S3 on 8791). Fix the URL with "lyceum auth login --url" ' +
          'or LYCEUM_API_URL.',
      );
    }
    if (status >= 200 && status < 300) return response;
    const error = toApiError(status, response.statusMessage ?? '', await readText(response));
    if (status !== 401) throw error;
    throw new ApiError(401, `${error.message} ${describeKeySource(this.config.apiKeySource)}`);
  }

  /**
   * Sends a request, and sends it again while the local server whose key the CLI uses refuses the
   * connection. It tries for up to 15 s while that server has locked its data directory, as during
   * a restart, and for up to 3 s before, as right after `lyceum server &`. A streamed body is sent
   * only once, because it cannot be read twice.
   */
  private async sendWhileLocalServerRestarts(
    sendOnce: () => Promise<IncomingMessage>,
    options: RequestOptions,
  ): Promise<IncomingMessage> {
    const deadline = Date.now() + LOCAL_RESTART_WAIT_MS;
    const graceEnd = Date.now() + LOCAL_START_GRACE_MS;
    for (;;) {
      try {
        return await sendOnce();
      } catch (error) {
        const refused = (error as { code?: string }).code === 'ECONNREFUSED';
        const resendable = options.body === undefined || typeof options.body === 'string';
        const state = refused && resendable ? this.config.localServerState?.() : undefined;
        const restarting = state === 'running' || (state === 'stopped' && Date.now() < graceEnd);
        if (!restarting || Date.now() >= deadline || options.signal?.aborted) throw error;
        await sleep(LOCAL_RESTART_POLL_MS);
      }
    }
  }

  /** Sends a request that the caller needs only to succeed. */
  async send(path: string, options: RequestOptions = {}): Promise<void> {
    (await this.request(path, options)).resume();
  }

  async text(path: string, options: RequestOptions = {}): Promise<string> {
    return readText(await this.request(path, options));
  }

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return JSON.parse(await this.text(path, options)) as T;
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}

/** Names where a rejected key came from, so the user knows what to change. */
function describeKeySource(source: ClientConfig['apiKeySource']): string {
  switch (source) {
    case 'environment':
      return 'The key came from LYCEUM_API_KEY; set a valid one or unset it.';
    case 'config file':
      return 'The key came from the config file; run "lyceum auth login --api-key lk_..." with a valid key.';
    case 'local server':
      return "The key came from the local server's data directory; restart the server, or log in with a key.";
    default:
      return 'Run "lyceum auth login --api-key lk_..." with a valid key.';
  }
}

/** Reads a whole response as UTF-8 text. */
export async function readText(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function toApiError(status: number, statusText: string, text: string): ApiError {
  let detail = text;
  try {
    const parsed = JSON.parse(text) as { detail?: unknown };
    if (parsed.detail !== undefined) {
      detail = typeof parsed.detail === 'string' ? parsed.detail : JSON.stringify(parsed.detail);
    }
  } catch {
    // Not JSON: keep the text as it came.
  }
  return new ApiError(status, detail || `The server returned ${status} ${statusText}.`);
}

function describeRequestError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = (error as { code?: string }).code;
  return cause?.code ?? cause?.message ?? code ?? (error as Error).message;
}
