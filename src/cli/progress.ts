import cliProgress from 'cli-progress';
import { formatBytes } from './format-bytes.js';

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
