const MASK = '********';

/**
 * Replaces secret values in a stream of output chunks. A secret can be split across two chunks,
 * so the end of a chunk that could be the start of a secret is held back until the next chunk (or
 * `flush`) shows whether it is one. Output that cannot start a secret passes through at once.
 */
export class OutputMasker {
  private readonly secrets: Buffer[];
  private held = Buffer.alloc(0);

  constructor(secrets: string[]) {
    this.secrets = secrets
      .filter((secret) => secret.length > 0)
      .map((secret) => Buffer.from(secret));
  }

  /** Returns the part of the output so far that is safe to show. */
  push(chunk: Buffer): Buffer {
    if (this.secrets.length === 0) return chunk;
    const masked = this.replaceAll(
      this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]),
    );
    const keep = this.partialSecretLength(masked);
    this.held = Buffer.from(masked.subarray(masked.length - keep));
    return masked.subarray(0, masked.length - keep);
  }

  /** Returns what was held back, at the end of the output. */
  flush(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }

  private replaceAll(data: Buffer): Buffer {
    let result = data;
    for (const secret of this.secrets) {
      let index = result.indexOf(secret);
      if (index === -1) continue;
      const parts: Buffer[] = [];
      let start = 0;
      while (index !== -1) {
        parts.push(result.subarray(start, index), Buffer.from(MASK));
        start = index + secret.length;
        index = result.indexOf(secret, start);
      }
      parts.push(result.subarray(start));
      result = Buffer.concat(parts);
    }
    return result;
  }

  /** Returns the length of the longest end of `data` that is a proper beginning of some secret. */
  private partialSecretLength(data: Buffer): number {
    let longest = 0;
    for (const secret of this.secrets) {
      const limit = Math.min(secret.length - 1, data.length);
      for (let length = limit; length > longest; length--) {
        if (data.subarray(data.length - length).equals(secret.subarray(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
