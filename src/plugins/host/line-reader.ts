import type { Readable } from 'node:stream';

/** Lines longer than this are split: a plugin printing megabytes without a newline must not grow memory. */
const maxLineLength = 64 * 1024;

/** Calls `onLine` for each line of `stream` (without the newline), then `onEnd`. */
export function readLines(
  stream: Readable,
  onLine: (line: string) => void,
  onEnd: () => void = () => {},
): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    while (pending.length > maxLineLength) {
      onLine(pending.slice(0, maxLineLength));
      pending = pending.slice(maxLineLength);
    }
  });
  stream.on('end', () => {
    if (pending !== '') onLine(pending);
    pending = '';
    onEnd();
  });
}

/**
 * Keeps the last `size` lines (each cut to `width` characters) for error reports,
 * plus the first Go `panic:` line: a deep stack trace would otherwise push the one
 * line that says what went wrong out of the tail.
 */
export class LineTail {
  readonly #lines: string[] = [];
  #panic: string | undefined;
  constructor(
    private readonly size = 20,
    private readonly width = 500,
  ) {}

  push(line: string): void {
    const kept = line.length > this.width ? `${line.slice(0, this.width)}…` : line;
    if (this.#panic === undefined && /^(panic|fatal error): /.test(kept)) this.#panic = kept;
    this.#lines.push(kept);
    if (this.#lines.length > this.size) this.#lines.shift();
  }

  lines(): string[] {
    if (this.#panic !== undefined && !this.#lines.includes(this.#panic))
      return [this.#panic, '…', ...this.#lines];
    return [...this.#lines];
  }

  /** The tail formatted for an error message, or '' when there is nothing. */
  describe(): string {
    return this.#lines.length === 0 ? '' : `; last stderr lines:\n  ${this.#lines.join('\n  ')}`;
  }
}
