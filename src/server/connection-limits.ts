import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How often the headers timeout is checked; it may be exceeded by this much at most. */
const HEADERS_CHECK_INTERVAL_MS = 1000;

/** Limits on the open connections of one HTTP listener. */
export interface ConnectionLimits {
  /**
   * Open connections from one address at most; more are closed as they arrive.
   */
  perAddress?: number;
  /**
   * Leaves loopback addresses to the total, since every client on the server's machine shares
   * them. True unless set.
   */
  exemptLoopback?: boolean;
  /** Open connections in all at most, so the process keeps file descriptors for its own work. */
  total: number;
  /** Time a client has to send a request's headers, so no connection stays open without one. */
  headersTimeoutMs: number;
  /**
   * Time a connection may go without a byte in either direction, as when a body stops
   * arriving, before it is closed. Without it, connections may stay idle indefinitely.
   */
  idleTimeoutMs?: number;
}

/**
 * Applies `limits` to `server`, so that one client, such as a run that opens thousands of
 * connections to the S3 endpoint, cannot use up the file descriptors every account needs.
 */
export function limitConnections(server: Server, limits: ConnectionLimits): void {
  server.maxConnections = limits.total;
  server.headersTimeout = limits.headersTimeoutMs;
  // Node checks the headers timeout this often (every 30 s unless set), so a late client could
  // otherwise keep a connection for up to 30 s past it. Node starts the check on "listening".
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval =
    HEADERS_CHECK_INTERVAL_MS;
  if (limits.idleTimeoutMs !== undefined) server.timeout = limits.idleTimeoutMs;
  const { perAddress } = limits;
  if (perAddress === undefined) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (limits.exemptLoopback !== false && isLoopback(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
