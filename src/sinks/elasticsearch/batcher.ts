/** The outcome of one item of a batch. */
export type ItemResult<R> = { ok: true; value: R } | { ok: false; error: Error };

export interface BatcherOptions<T, R> {
  /** Most items in one batch. */
  maxItems: number;
  /** Most bytes in one batch; an item larger than this goes alone. */
  maxBytes: number;
  /** Longest an item waits for its batch while another batch is in flight. */
  lingerMs: number;
  /** Batches in flight at once. */
  maxInFlight: number;
  /** Items waiting (not in flight) beyond which `add` refuses: memory stays bounded. */
  maxQueued: number;
  size(item: T): number;
  /** Sends one batch; one result per item, in order. A throw fails every item with that error. */
  send(items: readonly T[]): Promise<ItemResult<R>[]>;
  /** The error `add` rejects with when the queue is full. */
  overloaded(): Error;
  /** The error `add` rejects with after `close`. */
  closed(): Error;
}

/** Collects items into batches and settles each item's promise with its own result. */
export interface Batcher<T, R> {
  add(item: T): Promise<R>;
  /** Items waiting plus items in flight. */
  pending(): number;
  /** Refuses new items, sends everything queued at once, resolves when nothing is in flight. */
  close(): Promise<void>;
}

interface Entry<T, R> {
  item: T;
  bytes: number;
  addedAt: number;
  resolve(value: R): void;
  reject(error: Error): void;
}

/**
 * Batching that adds no latency to a lone item: when nothing is in flight, whatever arrived
 * during the current event-loop turn goes out at once (a burst handed over together travels
 * together); while a batch is in flight, items collect until the batch is full, `lingerMs`
 * has passed, or the batch in flight finishes. A caller that awaits each item before adding
 * the next therefore sees one request per item and no waiting, and a burst becomes a few
 * large requests.
 */
export function createBatcher<T, R>(options: BatcherOptions<T, R>): Batcher<T, R> {
  const queue: Entry<T, R>[] = [];
  let queuedBytes = 0;
  let inFlight = 0;
  let inFlightItems = 0;
  let closing = false;
  let immediate: NodeJS.Immediate | undefined;
  let timer: NodeJS.Timeout | undefined;
  let idle: (() => void)[] = [];

  function pump(): void {
    for (;;) {
      if (queue.length === 0) {
        clearTimer();
        if (inFlight === 0) settleIdle();
        return;
      }
      if (inFlight >= options.maxInFlight) return;
      const full = queue.length >= options.maxItems || queuedBytes >= options.maxBytes;
      if (full || closing) {
        sendBatch();
        continue;
      }
      if (inFlight === 0) {
        immediate ??= setImmediate(() => {
          immediate = undefined;
          if (queue.length > 0 && inFlight < options.maxInFlight) sendBatch();
          pump();
        });
        return;
      }
      const waited = performance.now() - (queue[0] as Entry<T, R>).addedAt;
      if (waited >= options.lingerMs) {
        sendBatch();
        continue;
      }
      if (!timer) {
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(1, options.lingerMs - waited),
        );
      }
      return;
    }
  }

  function sendBatch(): void {
    const batch: Entry<T, R>[] = [];
    let bytes = 0;
    while (queue.length > 0 && batch.length < options.maxItems) {
      const next = queue[0] as Entry<T, R>;
      if (batch.length > 0 && bytes + next.bytes > options.maxBytes) break;
      queue.shift();
      batch.push(next);
      bytes += next.bytes;
    }
    queuedBytes -= bytes;
    if (queue.length === 0) clearTimer();
    inFlight += 1;
    inFlightItems += batch.length;
    void run(batch);
  }

  async function run(batch: Entry<T, R>[]): Promise<void> {
    try {
      const results = await options.send(batch.map((e) => e.item));
      batch.forEach((entry, i) => {
        const result = results[i];
        if (!result)
          entry.reject(new Error(`batch send returned ${results.length} results for ${batch.length} items`));
        else if (result.ok) entry.resolve(result.value);
        else entry.reject(result.error);
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      for (const entry of batch) entry.reject(error);
    } finally {
      inFlight -= 1;
      inFlightItems -= batch.length;
      pump();
    }
  }

  function clearTimer(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  function settleIdle(): void {
    const waiting = idle;
    idle = [];
    for (const resolve of waiting) resolve();
  }

  return {
    add(item) {
      if (closing) return Promise.reject(options.closed());
      if (queue.length >= options.maxQueued) return Promise.reject(options.overloaded());
      return new Promise<R>((resolve, reject) => {
        const bytes = options.size(item);
        queue.push({ item, bytes, addedAt: performance.now(), resolve, reject });
        queuedBytes += bytes;
        pump();
      });
    },
    pending: () => queue.length + inFlightItems,
    close() {
      closing = true;
      if (immediate) clearImmediate(immediate);
      immediate = undefined;
      pump();
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idle.push(resolve));
    },
  };
}
