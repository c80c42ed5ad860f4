/**
 * A push/pull queue between the informers (push) and the stream generator (pull). It holds at
 * most `limit` items; past that the oldest are dropped and counted, so a host that stops reading
 * cannot make the plugin grow without bound (Botkube blocks its informers instead).
 */
export interface EventQueue<T> {
  push(item: T): void;
  /** Yields items until `signal` aborts. */
  drain(signal: AbortSignal): AsyncGenerator<T>;
  /** Items dropped because the queue was full. */
  dropped(): number;
}

export function createEventQueue<T>(limit = 10_000): EventQueue<T> {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let dropped = 0;
  return {
    push(item) {
      items.push(item);
      if (items.length > limit) {
        items.shift();
        dropped += 1;
      }
      wake?.();
    },
    async *drain(signal) {
      const onAbort = () => wake?.();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        while (!signal.aborted) {
          const next = items.shift();
          if (next !== undefined) {
            yield next;
            continue;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    dropped: () => dropped,
  };
}
