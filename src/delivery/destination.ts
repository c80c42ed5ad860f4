import type { Message } from '../contract/message.js';
import type { ModalTrigger, PostedRef } from '../core/inbound-command.js';
import type { LengthUnit } from '../core/message-limits.js';

export type { ModalTrigger, PostedRef };

/** What a destination can do; renderers and the bridges adapt to it. */
export interface DestinationCapabilities {
  /** Messages can be edited after posting (streaming output updates one message). */
  edit: boolean;
  /** Files can be attached (long output). */
  files: boolean;
  /** Replies can go into a thread. */
  threads: boolean;
  /** Buttons and selects run commands when clicked. */
  interactive: boolean;
  /** Longest text one message may carry, in characters, after rendering. */
  maxMessageLength: number;
  /** How `maxMessageLength` is counted; UTF-16 code units when absent. */
  lengthUnit?: LengthUnit;
  /**
   * Longest readable text of a whole message, sections included, where the platform posts one
   * message as several parts; `maxMessageLength` when absent. Longer messages go as a file.
   */
  maxTotalLength?: number;
}

/** Where one outbound message goes. */
export interface Address {
  /** The bot or sink instance, e.g. `team-a/socketSlack`. */
  destinationId: string;
  /** Platform channel ID (empty for sinks). */
  channelId: string;
  /** Reply in this thread, when the platform has threads. */
  threadId?: string;
  /**
   * The platform user the message answers. Needed for messages only that user may see
   * (`onlyVisibleForYou`: Slack ephemeral messages); absent for source events.
   */
  userId?: string;
}

/** One message on its way out. */
export interface Outbound {
  address: Address;
  message: Message;
  /** Replace a message posted earlier (streaming output, `replaceOriginal`). */
  replaces?: PostedRef;
  /** Attach this file (output too long for a message). */
  file?: { name: string; content: Uint8Array };
  /** For sinks: the source's raw object, which sinks receive instead of the rendered message. */
  rawObject?: unknown;
  /** Source group names the event came from (sinks report them). */
  sources?: string[];
  /**
   * What the pipeline may do with it: an `event` may wait, be merged into a digest or be
   * suppressed as a duplicate; a `reply` (the default: command answers, streaming edits, files)
   * goes ahead of queued events and is never merged or dropped for lack of room.
   */
  kind?: 'event' | 'reply';
  /**
   * The event's identity for duplicate suppression (see `eventFingerprint`); computed once per
   * event by the source bridge. Without it the pipeline derives it from `message` and `rawObject`.
   */
  dedupKey?: string;
  /**
   * `dedupKey` names one request its sender may send again (an incoming webhook's
   * `Idempotency-Key`): a repeat within the dedup window is the same occurrence even through the
   * same source group, so it is answered as a duplicate instead of queued a second time.
   */
  requestKeyed?: boolean;
  /**
   * Set by the pipeline on events for sinks when it queues them: the same for every try of this
   * item, across restarts too (the queue stores it), and never reused for another item. Sinks
   * send it where the receiver can drop repeats (the webhook `Idempotency-Key` header, the
   * Elasticsearch document `_id`).
   */
  idempotencyKey?: string;
  /**
   * Show the message as a modal to the person whose click gave this trigger (a `form` answer on
   * Slack). The pipeline hands it to {@link Destination.openModal} at once, ahead of the channel's
   * pacing, because the trigger expires within seconds; when no modal opens it is posted as usual.
   */
  modalTrigger?: ModalTrigger;
  /**
   * The command is still producing this output: a later edit replaces it, and the last one comes
   * without this flag. Platforms that can show work in progress say so (the console does).
   */
  streaming?: boolean;
}

/** How fast one channel of a destination may be posted to: a token bucket per channel. */
export interface PacingPolicy {
  /** Sustained messages per second per channel. */
  ratePerSecond: number;
  /** Messages that may go at once after a quiet spell. */
  burst: number;
}

/**
 * Anything messages are delivered to: a chat bot's channels or a sink. The
 * delivery pipeline is the only caller; bridges and bots never call each other.
 */
export interface Destination {
  readonly id: string;
  /** `chat` channels get digests when events outpace them; a `sink` gets every event. */
  readonly kind: 'chat' | 'sink';
  readonly capabilities: DestinationCapabilities;
  /** The platform's posting budget per channel; undefined means unpaced (sinks). */
  readonly pacing?: PacingPolicy;
  /** Posts (or, with `replaces`, edits) one message. Throws DeliveryError on failure. */
  deliver(outbound: Outbound): Promise<PostedRef | undefined>;
  /**
   * Shows `outbound` (which has a `modalTrigger`) as a modal instead of posting it. Resolves
   * undefined when it did not open (trigger too old, rejected view, network): the caller then
   * delivers it as a message. Never throws. Absent on destinations without modals.
   */
  openModal?(outbound: Outbound): Promise<PostedRef | undefined>;
}

/** A length of time; the config's `Duration` values fit it as they are. */
export interface TimeSpan {
  readonly ms: number;
}

/**
 * Tunables of the delivery pipeline as plain options (app/ hands over `settings.delivery`,
 * whose validated shape fits this one), so delivery depends on no config type.
 */
export interface DeliverySettings {
  /** Events waiting per channel (or sink) and across all of them before new ones are only counted. */
  queueLimit: { perChannel: number; total: number };
  /** How long a new event is held so a burst goes out as one message. */
  groupWait: TimeSpan;
  /** Events in flight at once per sink. */
  sinkConcurrency: number;
  /** Window in which the same event to the same destination is posted once; 0 turns it off. */
  dedupWindow: TimeSpan;
  /** Backoff of failed deliveries, and how long one may keep failing before it is dropped. */
  retry: { initialBackoff: TimeSpan; maxBackoff: TimeSpan; giveUpAfter: TimeSpan };
  /** On shutdown or reload, how long queued messages keep being delivered. */
  drainTimeout: TimeSpan;
}
