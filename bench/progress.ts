/** Progress on stderr while a benchmark runs: a bar on a terminal, a line every few seconds otherwise. */
export class Progress {
  private lastLine = 0;
  constructor(private readonly label: string) {}

  update(done: number, total: number, note = ''): void {
    const tty = process.stderr.isTTY === true;
    const now = Date.now();
    if (!tty && now - this.lastLine < 5_000 && done < total) return;
    this.lastLine = now;
    const share = total === 0 ? 1 : Math.min(1, done / total);
    const width = 30;
    const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
    const line = `${this.label.padEnd(14)} ${bar} ${String(Math.round(share * 100)).padStart(3)}% ${done}/${total} ${note}`;
    process.stderr.write(tty ? `\r${line.padEnd(110)}` : `${line}\n`);
    if (tty && done >= total) process.stderr.write('\n');
  }

  note(text: string): void {
    process.stderr.write(`${this.label.padEnd(14)} ${text}\n`);
  }
}

/** Percentile of a sample (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
