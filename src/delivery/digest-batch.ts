import type { Destination, Outbound } from './destination.js';
import { buildDigest } from './digest.js';
import type { Overflow } from './overflow.js';
import type { QueuedDelivery, QueueKey } from './queue.js';
import type { SummaryCache } from './summary-cache.js';

/** Share of a destination's maxMessageLength a digest fills: bot renderers add their own markup. */
const digestFill = 0.9;

/** A digest ready to send, with the queued events it settles. */
export interface DigestBatch {
  items: QueuedDelivery[];
  outbound: Outbound;
}

/**
 * Turns a channel's waiting events (oldest first) and its overflow tally into one digest
 * message for `destination`. Only events of the first event's thread go in, so a digest
 * never mixes threads; `scale` (≤ 1) shrinks it after the platform found one too large.
 */
export function digestBatch(options: {
  key: QueueKey;
  waiting: readonly QueuedDelivery[];
  overflow: Overflow;
  destination: Destination | undefined;
  scale: number;
  now: number;
  summaries: SummaryCache;
}): DigestBatch {
  const { waiting, overflow, destination } = options;
  const thread = waiting[0]?.outbound.address.threadId;
  const end = waiting.findIndex((item) => item.outbound.address.threadId !== thread);
  const events = end === -1 ? waiting : waiting.slice(0, end);
  const maxLength = destination?.capabilities.maxMessageLength ?? 2000;
  const digest = buildDigest({
    events: events.map((item) => ({
      message: item.outbound.message,
      sources: item.outbound.sources ?? [],
      enqueuedAt: item.enqueuedAt,
    })),
    overflow,
    maxChars: Math.max(100, Math.floor(maxLength * digestFill * options.scale)),
    files: destination?.capabilities.files ?? false,
    now: options.now,
    summaries: options.summaries,
  });
  const items = events.slice(0, digest.represented);
  const sources = new Set(items.flatMap((i) => i.outbound.sources ?? []));
  for (const source of overflow.sources.keys()) sources.add(source);
  return {
    items,
    outbound: {
      address: { ...options.key, ...(thread ? { threadId: thread } : {}) },
      message: digest.message,
      kind: 'event',
      sources: [...sources],
      ...(digest.file ? { file: digest.file } : {}),
    },
  };
}
