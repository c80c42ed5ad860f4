import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Feeds every chunk of `body` to `onChunk` until it ends. An http body is never
 * paused: undici 7 (the last line supporting Node 20) crashes the process with
 * `assert(!this.paused)` when a server closes the connection while a body's
 * backpressure has paused its parser (nodejs/undici#5360, fixed only in undici 8).
 * `onChunk` throwing cancels the body with that error.
 */
export function readBody(body: Readable, onChunk: (chunk: Buffer) => void): Promise<void> {
  body.on('data', (chunk: Buffer) => {
    try {
      onChunk(chunk);
    } catch (err) {
      body.destroy(err as Error);
    }
  });
  return finished(body);
}

/**
 * Stops a body that will not be read. undici's bodies emit an abort error when
 * destroyed, which would be an uncaught exception without a listener.
 */
export function cancelBody(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/**
 * Writes `body` to a new file `dest` (mode 0600), passing each chunk to `onChunk`
 * first. `pausable` bodies (local files) wait for the disk; http bodies never wait
 * (see {@link readBody}), the file stream buffers instead. The file is closed when
 * this settles, whatever happened.
 */
export async function writeBody(
  body: Readable,
  dest: string,
  options: { pausable: boolean; onChunk: (chunk: Buffer) => void },
): Promise<void> {
  const out = createWriteStream(dest, { mode: 0o600 });
  out.on('error', (err) => body.destroy(err));
  try {
    await readBody(body, (chunk) => {
      options.onChunk(chunk);
      if (!out.write(chunk) && options.pausable) {
        body.pause();
        out.once('drain', () => body.resume());
      }
    });
    out.end();
    await finished(out);
  } finally {
    if (!out.closed) {
      out.destroy();
      await finished(out).catch(() => undefined);
    }
  }
}
