const NEWLINE = 0x0a;

/** The destination of prefixed lines, which is the run's OutputLog in the server. */
export interface LineSink {
  append(chunk: Buffer): void;
}

/** One container's output, split into lines that each start with the container's label. */
export interface PrefixedStream {
  write(chunk: Buffer): void;
  /** Writes a last line that had no newline; call once the container's output has ended. */
  end(): void;
}

/**
 * Writes the output of several containers into one sink, each line prefixed with its service's
 * label, padded to the longest label: `web | listening`. Lines are written whole, so lines of
 * different services never mix.
 */
export class ServiceOutput {
  private readonly width: number;

  constructor(
    private readonly sink: LineSink,
    labels: readonly string[],
  ) {
    this.width = Math.max(0, ...labels.map((label) => label.length));
  }

  stream(label: string): PrefixedStream {
    const prefix = Buffer.from(`${label.padEnd(this.width)} | `);
    let pending = Buffer.alloc(0);
    const writeLine = (line: Buffer) =>
      this.sink.append(Buffer.concat([prefix, line, Buffer.from('\n')]));

    return {
      write: (chunk) => {
        let buffer = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let newline = buffer.indexOf(NEWLINE);
        while (newline !== -1) {
          writeLine(buffer.subarray(0, newline));
          buffer = buffer.subarray(newline + 1);
          newline = buffer.indexOf(NEWLINE);
        }
        pending = Buffer.from(buffer);
      },
      end: () => {
        if (pending.length > 0) writeLine(pending);
        pending = Buffer.alloc(0);
      },
    };
  }
}
