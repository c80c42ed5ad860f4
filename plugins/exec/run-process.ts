import { spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';

/** How to run one program. */
export interface RunOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  maxOutputBytes: number;
  /** Aborting stops the program and everything it started. */
  signal: AbortSignal;
  /** Time between SIGTERM and SIGKILL when stopping (default 2 s). */
  killGraceMs?: number;
}

/** Why the program ended. */
export type EndReason = 'exited' | 'timeout' | 'cancelled' | 'output-limit' | 'failed-to-start';

/** Output as it arrives (stdout and stderr interleaved), then exactly one `end`. */
export type ProcessEvent =
  | { kind: 'output'; text: string }
  | { kind: 'end'; reason: EndReason; exitCode: number | null; signal: string | null; error?: string };

/**
 * Runs a program directly (argv array, no shell) in its own process group and yields its
 * output as it arrives. Stops the whole group, SIGTERM then SIGKILL, when the time limit
 * passes, the output limit is reached, `signal` aborts, the consumer stops reading, or the
 * program exits leaving children behind (they would otherwise keep the pipes open).
 */
export async function* runProcess(options: RunOptions): AsyncGenerator<ProcessEvent> {
  const queue = new EventQueue<ProcessEvent>();
  const child = spawn(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    // A new process group (and session), so one kill(-pid) reaches everything it starts.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let reason: EndReason = 'exited';
  let startError: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stopGroup = (why: EndReason) => {
    if (reason === 'exited') reason = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
  };

  let remaining = options.maxOutputBytes;
  for (const stream of [child.stdout, child.stderr]) {
    // One decoder per stream: a multi-byte character may be split across chunks.
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      if (remaining <= 0) return;
      const kept = chunk.length > remaining ? chunk.subarray(0, remaining) : chunk;
      remaining -= kept.length;
      const text = decoder.write(kept);
      if (text !== '') queue.push({ kind: 'output', text });
      if (remaining <= 0) stopGroup('output-limit');
    });
    stream.on('end', () => {
      const rest = decoder.end();
      if (rest !== '') queue.push({ kind: 'output', text: rest });
    });
  }
  const timeout = setTimeout(() => stopGroup('timeout'), options.timeoutMs);
  const onAbort = () => stopGroup('cancelled');
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();

  child.once('error', (err) => {
    startError = err.message;
    reason = 'failed-to-start';
  });
  // 'exit' comes when the program ends; children it left behind may still hold the pipes open,
  // and a command run from chat must not leave processes running, so stop them too.
  child.once('exit', () => {
    signalGroup(child.pid, 'SIGTERM');
    killTimer ??= setTimeout(() => signalGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
  });
  // 'close' comes after the exit and once every pipe is closed: all output has been read.
  child.once('close', (exitCode, signal) => {
    clearTimeout(killTimer);
    queue.push({
      kind: 'end',
      reason,
      exitCode,
      signal,
      ...(startError === undefined ? {} : { error: startError }),
    });
    queue.close();
  });

  try {
    yield* queue;
  } finally {
    clearTimeout(timeout);
    options.signal.removeEventListener('abort', onAbort);
    if (child.exitCode === null && child.signalCode === null && startError === undefined) {
      // The consumer stopped reading early: stop the program too.
      stopGroup('cancelled');
    }
    killTimer?.unref();
  }
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** An unbounded async queue: push from callbacks, consume with for-await. */
class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private closed = false;

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
      } else if (this.closed) {
        return;
      } else {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
      }
    }
  }
}
