import type { SinkEvent } from '../sink-event.js';

/**
 * The JSON body of one webhook POST. The first three keys are Botkube's, so receivers
 * written for Botkube keep working: `source` (groups, comma-joined), `data` (the raw
 * object) and `timeStamp` (Botkube always sent Go's zero time; this is the event's time).
 * The rest is Switchboard's.
 */
export interface WebhookPayload {
  source: string;
  data: unknown;
  /** RFC 3339, UTC. */
  timeStamp: string;
  /** The source groups as a list. */
  sources: string[];
  /** Same for every retry of the event (also sent as the `Idempotency-Key` header). */
  id: string;
  /** The event's message as plain text. */
  text: string;
  /** `settings.clusterName`, when set. */
  cluster?: string;
}

/** Builds the payload; pure. */
export function renderWebhookPayload(event: SinkEvent, ctx: { clusterName?: string }): WebhookPayload {
  return {
    source: event.sources.join(','),
    data: event.data,
    timeStamp: event.time.toISOString(),
    sources: event.sources,
    id: event.id,
    text: event.text,
    ...(ctx.clusterName ? { cluster: ctx.clusterName } : {}),
  };
}
