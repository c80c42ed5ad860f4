import { type BackoffPolicy, backoffDelay, defaultBackoff, sleep } from '../../core/backoff.js';
import { hasCode } from '../../errors/switchboard-error.js';
import type { SourceClient, StreamCall } from '../../plugins/host/source-client.js';

export type StreamState = 'opening' | 'open' | 'waiting' | 'unsupported' | 'closed';

export interface StreamKeeperOptions {
  client: SourceClient;
  /** The first open's call; its `resumeCursor` is where the stream starts (none: fresh). */
  call: StreamCall;
  /** Each event, with the cursor the plugin sent with it (if any). */
  onEvent(event: Uint8Array, cursor?: string): void | Promise<void>;
  /** State changes with the reason (stream ended, plugin restarted, error text). */
  onState?(state: StreamState, reason?: string): void;
  backoff?: BackoffPolicy;
  /** A stream that stayed open this long resets the backoff. */
  stableAfterMs?: number;
  signal: AbortSignal;
}

/**
 * Keeps one source stream open (bridge policy: how hard to try, how long to wait; the host only
 * gives the client) for as long as `signal` is not aborted: it is
 * re-opened with backoff after the plugin ends it, after an error, and after the
 * plugin restarts (acquire waits for the new process). A source answering
 * UNIMPLEMENTED handles only webhooks, so the keeper stops quietly. A re-opened stream resumes
 * from the latest cursor the plugin sent (or the first call's `resumeCursor` if it sent none),
 * so events the plugin had while it was down or restarting are still reported, once.
 * Resolves when stopped.
 */
export async function keepStreaming(options: StreamKeeperOptions): Promise<void> {
  const policy = options.backoff ?? defaultBackoff;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  let attempt = 0;
  let cursor = options.call.resumeCursor;
  while (!options.signal.aborted) {
    options.onState?.('opening');
    const openedAt = Date.now();
    let reason: string;
    try {
      let first = true;
      // Events go from grpc-js's 'data' straight to onEvent; only a promise it returns pauses the stream.
      const { resumeCursor: _first, ...call } = options.call;
      await options.client.each(
        cursor ? { ...call, resumeCursor: cursor } : call,
        (event, eventCursor) => {
          if (first) {
            options.onState?.('open');
            first = false;
          }
          if (eventCursor) cursor = eventCursor;
          return eventCursor ? options.onEvent(event, eventCursor) : options.onEvent(event);
        },
        { signal: options.signal },
      );
      reason = 'the plugin ended the stream';
    } catch (err) {
      if (options.signal.aborted) break;
      if (hasCode(err, 'SB_ERR_PLUGIN_UNIMPLEMENTED')) {
        options.onState?.('unsupported', 'the source does not stream (webhook-only)');
        return;
      }
      reason = err instanceof Error ? err.message : String(err);
    }
    if (options.signal.aborted) break;
    attempt = Date.now() - openedAt > stableAfterMs ? 1 : attempt + 1;
    options.onState?.('waiting', reason);
    await sleep(backoffDelay(policy, attempt), options.signal);
  }
  options.onState?.('closed');
}
