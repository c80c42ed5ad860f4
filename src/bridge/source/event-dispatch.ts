import { createHash } from 'node:crypto';
import { parseEvent, type SourceEvent } from '../../contract/event.js';
import type { Address, DestinationCapabilities, Outbound, PostedRef } from '../../delivery/destination.js';
import { eventFingerprint } from '../../delivery/fingerprint.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { Logger } from '../../log/logger.js';
import type { AgentMetrics } from '../../metrics/metrics.js';
import { fitOutbound } from '../fit-outbound.js';

/** Where an event came from, when the agent knows more than its group. */
export interface EventOrigin {
  /**
   * The sender's own name for this request (an incoming webhook's `Idempotency-Key`, joined to
   * the source entry that turned it into the event): sent again, it is the same event.
   */
  requestKey?: string;
}

/** The dedup key of a keyed request: one per group and request key, whatever the event says. */
export function requestDedupKey(group: string, requestKey: string): string {
  return createHash('sha256').update(`request\0${group}\0${requestKey}`).digest('hex');
}

/** Where events of one source group go. */
export interface SourceFanout {
  /** Bot channels bound to the group; the notification toggle is checked per event. */
  channels: Address[];
  /** Sinks bound to the group; they receive the raw object. */
  sinks: Address[];
}

export interface EventDispatcherOptions {
  fanout(group: string): SourceFanout;
  notificationsEnabled(address: Address): boolean;
  /** What a destination takes: each event is fitted to it once, here (see fitOutbound). */
  capabilities(destinationId: string): DestinationCapabilities;
  outbox: Outbox;
  /** Queues the actions bound to the group (event → command); must return at once. May be absent. */
  actions?(group: string, event: SourceEvent): void;
  logger: Logger;
  metrics?: AgentMetrics;
}

/**
 * Sends one source event everywhere its group is bound: the rendered message to
 * each bot channel whose notifications are on, the raw object to each sink, and
 * the event to the group's actions. A `skipMessage` event posts nothing to chat but
 * still reaches sinks and actions (the schedule plugin's action-only fires). Delivery
 * is handed to the outbox and not awaited, so a paced or failing channel never holds
 * the source stream back (the pipeline bounds what waits); nor do actions, which are
 * queued. Each copy is fitted to its destination's capabilities (a long event is cut with a
 * note, and attached whole as `event.txt` where files are taken). Each event is counted as delivered per destination once the outbox has
 * posted it. A bad event is logged and dropped without affecting the stream.
 */
export function createEventDispatcher(options: EventDispatcherOptions) {
  const log = options.logger.child({ component: 'source-bridge' });
  const metrics = options.metrics;
  /**
   * One function per source group and destination hears back about every copy it sent, and
   * adds the posted ones to the counter once per turn: a fan-out then allocates no promise or
   * closure per copy, and does not hash the counter's labels per copy.
   */
  const counters = new Map<string, Map<string, (ref: PostedRef | undefined) => void>>();
  const counterFor = (group: string, destination: string) => {
    let byDestination = counters.get(group);
    if (!byDestination) {
      byDestination = new Map();
      counters.set(group, byDestination);
    }
    let count = byDestination.get(destination);
    if (!count) {
      let posted = 0;
      const flush = () => {
        metrics?.eventsOut.inc({ source: group, destination }, posted);
        posted = 0;
      };
      count = (ref) => {
        if (ref === undefined) return;
        if (posted === 0) queueMicrotask(flush);
        posted += 1;
      };
      byDestination.set(destination, count);
    }
    return count;
  };
  const handOver = (group: string, unfitted: Outbound) => {
    const destination = unfitted.address.destinationId;
    const outbound = fitOutbound(unfitted, options.capabilities(destination), 'event.txt');
    const done = metrics ? counterFor(group, destination) : undefined;
    if (options.outbox.post) {
      options.outbox.post(outbound, done);
      return;
    }
    options.outbox.send(outbound).then(
      (posted) => done?.(posted),
      // The outbox contract is to resolve undefined on failure; a rejection is a bug worth a line.
      (err: unknown) =>
        log.error({ source: group, destination, err: (err as Error).message }, 'outbox rejected an event'),
    );
  };
  return function dispatch(group: string, bytes: Uint8Array, origin?: EventOrigin): void {
    options.metrics?.eventsIn.inc({ source: group });
    let event: SourceEvent;
    try {
      event = parseEvent(bytes);
    } catch (err) {
      log.warn(
        { source: group, err: (err as Error).message },
        'source sent an event that is not valid JSON; dropped',
      );
      return;
    }
    const { channels, sinks } = options.fanout(group);
    // One key per event: the pipeline suppresses the copy another source group delivers. A keyed
    // request is named by its key instead, so the sender's retry (which the plugin may stamp
    // differently) folds into the first copy wherever that is: queued, in flight or posted.
    const common = origin?.requestKey
      ? {
          message: event.message,
          sources: [group],
          kind: 'event' as const,
          dedupKey: requestDedupKey(group, origin.requestKey),
          requestKeyed: true,
        }
      : {
          message: event.message,
          sources: [group],
          kind: 'event' as const,
          dedupKey: eventFingerprint(event.message, event.rawObject),
        };
    if (event.message.type !== 'skipMessage') {
      for (const address of channels) {
        if (options.notificationsEnabled(address)) handOver(group, { ...common, address });
      }
    }
    for (const address of sinks) handOver(group, { ...common, address, rawObject: event.rawObject ?? null });
    options.actions?.(group, event);
  };
}
