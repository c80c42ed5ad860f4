import { formatLogLine } from './text-lines.js';

/** What the destination writes into: a Node stream, or pino's SonicBoom (fd 2). */
export interface LogTarget {
  write(chunk: string): unknown;
  /** Bytes handed to the target and not yet written (Node `Writable`s have it; SonicBoom does not). */
  readonly writableLength?: number;
  /** SonicBoom created with `maxLength` emits `drop` with each chunk it refused. */
  on?(event: 'drop', listener: (chunk: string | Buffer) => void): unknown;
  flush?(callback?: (err?: Error | null) => void): void;
  flushSync?(): void;
}

export interface LogDestinationOptions {
  target: LogTarget;
  /** `text`: each pino JSON line rewritten by formatLogLine; `json`: written as pino made it. */
  format: 'json' | 'text';
  colours?: boolean;
  /**
   * Most bytes the target may hold unwritten before lines are dropped (counted and reported)
   * instead: a destination that cannot keep up must cost bounded memory, never the agent.
   */
  maxBufferedBytes: number;
  /** Shortest time between two "log lines dropped" notices; drops in between are summed. */
  noticeIntervalMs?: number;
  /** Clock for the notice's `time`; tests pass a fixed one. */
  now?: () => Date;
}

/** The pino destination of the root logger (see {@link logDestination}). */
export interface LogDestination {
  write(chunk: string): void;
  flush(callback?: (err?: Error | null) => void): void;
  flushSync(): void;
  /** Lines and bytes dropped since start because the target was full. */
  dropped(): { lines: number; bytes: number };
}

/**
 * A pino destination that formats each line synchronously and hands it to `target`,
 * never waiting for the target: pino writes into it without callbacks, so anything that
 * waited would hold every later line in memory. When the target already holds
 * `maxBufferedBytes` unwritten, lines are dropped, counted, and a warning line saying how
 * many is written as soon as the target has room (at most one per `noticeIntervalMs`;
 * a timer reports the last drops of a burst that no further line follows).
 */
export function logDestination(options: LogDestinationOptions): LogDestination {
  const { target, format, maxBufferedBytes } = options;
  const colours = options.colours ?? false;
  const noticeIntervalMs = options.noticeIntervalMs ?? 1000;
  const now = options.now ?? (() => new Date());
  const total = { lines: 0, bytes: 0 };
  const reported = { lines: 0, bytes: 0 };
  let lastNoticeAt = 0;
  let noticeTimer: NodeJS.Timeout | undefined;
  let writingNotice = false;
  let refusedDuringWrite = false;
  let pending = '';

  // SonicBoom enforces maxLength itself and says which chunks it refused.
  target.on?.('drop', (chunk) => {
    refusedDuringWrite = true;
    if (writingNotice) return;
    total.lines += 1;
    total.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    scheduleNotice();
  });

  const render = (line: string) => (format === 'text' ? `${formatLogLine(line, colours)}\n` : `${line}\n`);
  const buffered = () => target.writableLength ?? 0;

  const writeNotice = () => {
    const lines = total.lines - reported.lines;
    const bytes = total.bytes - reported.bytes;
    if (lines === 0) return;
    const record = JSON.stringify({
      level: 40,
      time: now().toISOString(),
      component: 'log',
      msg: 'log lines dropped: the log destination did not keep up',
      droppedLines: lines,
      droppedBytes: bytes,
      maxBufferedBytes,
    });
    writingNotice = true;
    refusedDuringWrite = false;
    target.write(render(record));
    writingNotice = false;
    // A refused notice is retried later with the sums so far; nothing is reported twice.
    if (refusedDuringWrite) {
      scheduleNotice();
      return;
    }
    reported.lines += lines;
    reported.bytes += bytes;
    lastNoticeAt = Date.now();
  };

  const scheduleNotice = () => {
    if (noticeTimer) return;
    noticeTimer = setTimeout(() => {
      noticeTimer = undefined;
      if (total.lines === reported.lines) return;
      if (buffered() > maxBufferedBytes) scheduleNotice();
      else writeNotice();
    }, noticeIntervalMs);
    noticeTimer.unref();
  };

  const writeLine = (line: string) => {
    if (line.trim() === '') return;
    const out = render(line);
    const size = Buffer.byteLength(out);
    if (buffered() + size > maxBufferedBytes) {
      total.lines += 1;
      total.bytes += size;
      scheduleNotice();
      return;
    }
    if (total.lines !== reported.lines) {
      if (Date.now() - lastNoticeAt >= noticeIntervalMs) writeNotice();
      else scheduleNotice();
    }
    target.write(out);
  };

  return {
    write(chunk) {
      // pino writes one whole line per call; a split line is joined before it is formatted.
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        writeLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    flush(callback) {
      if (target.flush) target.flush(callback);
      else callback?.();
    },
    flushSync() {
      if (pending !== '') {
        writeLine(pending);
        pending = '';
      }
      target.flushSync?.();
    },
    dropped: () => ({ ...total }),
  };
}
