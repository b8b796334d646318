import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountRegistry, AuthenticatedAccount } from '../accounts/account-registry.js';
import { UnauthorizedError } from '../errors/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    account: AuthenticatedAccount;
  }
}

/** Counts failed authentications per source address, for the log; never stores a key. */
export class AuthFailureCounter {
  readonly bySource = new Map<string, number>();

  record(source: string): number {
    const count = (this.bySource.get(source) ?? 0) + 1;
    this.bySource.set(source, count);
    return count;
  }
}

/**
 * Checks again that the request's key is still valid, for use once its body has been read. A key
 * revoked while a slow client was still sending must not create credentials, runs or objects.
 */
export function recheckApiKey(request: FastifyRequest, accounts: AccountRegistry): void {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (match === null || accounts.authenticate(match[1]!)?.id !== request.account.id) {
    request.log.warn({ accountId: request.account.id }, 'API key revoked during the request');
    throw new UnauthorizedError(
      'The API key was revoked while the request was being sent; nothing was changed. Use a valid key.',
    );
  }
}

/** Builds the hook that requires `Authorization: Bearer <key>` and attaches the caller's account. */
export function bearerAuthentication(accounts: AccountRegistry, failures: AuthFailureCounter) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = request.headers.authorization;
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      const count = failures.record(request.ip);
      request.log.warn({ source: request.ip, failures: count }, 'Request without an API key');
      throw new UnauthorizedError(
        'Missing API key; send "Authorization: Bearer lk_..." (the CLI reads it from ~/.lyceum/config.json or LYCEUM_API_KEY).',
      );
    }
    const account = accounts.authenticate(match[1]!);
    if (account === undefined) {
      const count = failures.record(request.ip);
      request.log.warn({ source: request.ip, failures: count }, 'Request with an invalid API key');
      throw new UnauthorizedError(
        'Invalid or revoked API key; check the key, or create a new one with "lyceum accounts keys create NAME".',
      );
    }
    request.account = account;
  };
}
