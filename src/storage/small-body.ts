import type { Readable } from 'node:stream';

/**
 * Reads `body` to its end when it ends within `limit` bytes, and returns its chunks. A longer body
 * gets back what was read, through `unshift`, and the result is undefined, so the caller can
 * stream it from the start. Rejects with the body's error, or when it closes before its end.
 */
export async function readSmallBody(body: Readable, limit: number): Promise<Buffer[] | undefined> {
  // An error can arrive between two waits, when no other listener is on the body, and an 'error'
  // event without a listener ends the process. `body.errored` still carries it to the next wait,
  // and the caller's pipeline takes the body over afterwards.
  body.on('error', ignoreError);
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    let chunk: Buffer | null;
    while ((chunk = body.read() as Buffer | null) !== null) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        body.unshift(Buffer.concat(chunks));
        return undefined;
      }
    }
    if ((await nextEvent(body)) === 'end') return chunks;
  }
}

/** Waits for the body's next `readable` or `end` event. */
function nextEvent(body: Readable): Promise<'readable' | 'end'> {
  if (body.readableEnded) return Promise.resolve('end');
  if (body.errored !== null) return Promise.reject(body.errored);
  if (body.destroyed) return Promise.reject(closedEarly());
  return new Promise((resolve, reject) => {
    const settle = (outcome: () => void) => {
      body.off('readable', onReadable);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      outcome();
    };
    const onReadable = () => settle(() => resolve('readable'));
    const onEnd = () => settle(() => resolve('end'));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () => settle(() => reject(body.errored ?? closedEarly()));
    body.on('readable', onReadable);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

function ignoreError(): void {}

function closedEarly(): Error {
  return Object.assign(new Error('The request body closed before its end.'), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}
