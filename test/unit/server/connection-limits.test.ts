import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { limitConnections } from '../../../src/server/connection-limits.js';

/** Opens a connection and resolves once it is established. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves with true when the server closes the socket within `ms`, else false. */
function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => undefined);
  });
}

describe('limitConnections', () => {
  let server: Server;
  const sockets: Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.length = 0;
    await new Promise((resolve) => server.close(resolve));
  });

  async function listen(limits: Parameters<typeof limitConnections>[1]): Promise<number> {
    // Like an upload, the server responds once the whole request body has arrived.
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.end('ok'));
    });
    limitConnections(server, limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('closes connections past the limit of one address', async () => {
    const port = await listen({
      perAddress: 2,
      exemptLoopback: false,
      total: 100,
      headersTimeoutMs: 20_000,
    });
    sockets.push(await open(port), await open(port));
    const third = await open(port);
    sockets.push(third);
    expect(await closedWithin(third, 2_000)).toBe(true);
    expect(await closedWithin(sockets[0]!, 200)).toBe(false);
  });

  it('leaves loopback connections to the total', async () => {
    const port = await listen({ perAddress: 1, total: 100, headersTimeoutMs: 20_000 });
    sockets.push(await open(port));
    const second = await open(port);
    sockets.push(second);
    expect(await closedWithin(second, 300)).toBe(false);
  });

  it('counts a closed connection out again', async () => {
    const port = await listen({
      perAddress: 1,
      exemptLoopback: false,
      total: 100,
      headersTimeoutMs: 20_000,
    });
    const first = await open(port);
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await open(port);
    sockets.push(second);
    expect(await closedWithin(second, 300)).toBe(false);
  });

  it('closes a request whose body stops arriving', async () => {
    const port = await listen({ total: 100, headersTimeoutMs: 20_000, idleTimeoutMs: 200 });
    const socket = await open(port);
    sockets.push(socket);
    socket.write('PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc');
    expect(await closedWithin(socket, 3_000)).toBe(true);
  });

  it('sets the total and the headers timeout', async () => {
    await listen({ total: 7, headersTimeoutMs: 1234 });
    expect(server.maxConnections).toBe(7);
    expect(server.headersTimeout).toBe(1234);
  });
});
