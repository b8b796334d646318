import cliProgress from 'cli-progress';

/** A transfer progress bar on stderr, shown only on a terminal; elsewhere every call does nothing. */
export class TransferProgress {
  private readonly bar: cliProgress.SingleBar | undefined;

  constructor(label: string, totalBytes: number, stream: NodeJS.WriteStream = process.stderr) {
    if (!stream.isTTY) return;
    this.bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {transferred}/{size} | {speed}`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(totalBytes, 0, this.payload(0, totalBytes, Date.now()));
    this.startedAt = Date.now();
    this.total = totalBytes;
  }

  private startedAt = 0;
  private total = 0;
  private done = 0;

  advance(bytes: number): void {
    if (this.bar === undefined) return;
    this.done += bytes;
    this.bar.update(this.done, this.payload(this.done, this.total, this.startedAt));
  }

  stop(): void {
    this.bar?.stop();
  }

  private payload(done: number, total: number, startedAt: number) {
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    return {
      transferred: formatBytes(done),
      size: formatBytes(total),
      speed: `${formatBytes(done / seconds)}/s`,
    };
  }
}

/** Formats a byte count with binary units, for example 1.5 MiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} ${units[0]}` : `${value.toFixed(1)} ${units[unit]}`;
}
