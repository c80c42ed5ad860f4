/**
 * Public contract of the Slack emulator (shared with the Slack platform's tests). Everything the
 * emulator exports is declared here; the modules next to this file implement it.
 */
import type { MessageLimits } from './block-validation.js';
import type { SpecViolation } from './spec-validation.js';

/** Event subscriptions of the emulated app (the `bot_events` of its manifest). */
export type EventSubscription =
  | 'app_mention'
  | 'message.channels'
  | 'message.groups'
  | 'message.im'
  | 'channel_rename'
  | 'group_rename';

export interface SlackEmulatorOptions {
  /** Per-channel posting budget for chat.postMessage/chat.update/chat.postEphemeral: token bucket. Default { ratePerSecond: 1, burst: 3 }. */
  rateLimit?: { ratePerSecond: number; burst: number };
  /** Seconds sent in Retry-After when limited. Default 1. */
  retryAfterSeconds?: number;
  /** Redeliver an unacknowledged Socket Mode envelope after this many ms (with retry_attempt + retry_reason). Default 3000. */
  ackTimeoutMs?: number;
  /** How many times an unacknowledged `events_api` envelope is redelivered before Slack gives up. Default 3. */
  maxRedeliveries?: number;
  /** Interval of the server's WebSocket pings (real Slack pings; this arms the client's serverPingTimeout watchdog). 0 disables. Default 10000. */
  serverPingIntervalMs?: number;
  /** Send the bot's own posts back as `message` events, as Slack does (bolt's ignoreSelf drops them). Default true. */
  echoBotMessages?: boolean;
  /** The app's event subscriptions. Default: all of {@link EventSubscription}. */
  subscriptions?: readonly EventSubscription[];
  /** How long a trigger_id from an interaction may be exchanged with views.open. Default 3000 (Slack's 3 s). */
  triggerLifetimeMs?: number;
  /** Overrides of Slack's message limits (defaults in block-validation.ts, from chat-platforms.md §1.10). */
  limits?: Partial<MessageLimits>;
  /**
   * Check every Web API request and response of a method described by Slack's OpenAPI spec, and
   * every `events_api` payload, against the vendored spec (spec/); findings go to specViolations().
   * Costs about a second of schema compilation, once per process. Default false.
   */
  validateSpec?: boolean;
}

export interface SlackEmulator {
  /** Base URL of the Web API, ending in '/api/' — pass as bolt's `clientOptions.slackApiUrl` / our `apiUrl`. */
  readonly apiUrl: string;
  readonly botToken: string; // valid xoxb- token
  readonly appToken: string; // valid xapp- token
  readonly botUserId: string; // e.g. 'U0BOT'
  readonly botId: string; // 'B...'
  readonly teamId: string;
  readonly appId: string; // 'A...'
  /** Creates a channel (name: lowercase letters, digits, '-', '_', at most 80 characters). The bot is a member unless `memberBot: false`. */
  addChannel(
    name: string,
    options?: { isPrivate?: boolean; memberBot?: boolean },
  ): { id: string; name: string };
  /** Renames a channel; emits channel_rename (group_rename for a private channel) over the socket. */
  renameChannel(id: string, newName: string): void;
  addUser(name: string): { id: string; name: string };
  /**
   * A user posts in a channel (or thread); emits app_mention when text contains <@botUserId>, and
   * message events. `text` is Slack wire text (mentions as `<@U…>`). The user joins the channel if
   * needed; the bot gets events only from channels it is a member of. Returns the message ts.
   */
  userMessage(options: {
    user: string;
    channel: string;
    text: string;
    threadTs?: string;
  }): Promise<{ ts: string }>;
  /** A user writes to the bot in a DM (im channel created on first use). */
  directMessage(options: {
    user: string;
    text: string;
    threadTs?: string;
  }): Promise<{ ts: string; channel: string }>;
  /**
   * A user clicks a button of a bot message: emits an `interactive` block_actions envelope. Matches
   * by action_id or by button text. Resolves when the app acknowledges the envelope; rejects if it
   * does not within ackTimeoutMs (Slack shows the user an error then), or if no button matches.
   */
  clickButton(options: {
    user: string;
    channel: string;
    messageTs: string;
    actionId?: string;
    text?: string;
  }): Promise<void>;
  /** A user picks options in a static_select / multi_static_select of a bot message. Acknowledgement as for clickButton. */
  selectOption(options: {
    user: string;
    channel: string;
    messageTs: string;
    actionId?: string;
    values: string[];
  }): Promise<void>;
  /**
   * A user types into a plain_text_input of a bot message and presses Enter. Slack sends a
   * block_actions envelope only when the input has `dispatch_action: true` (then this resolves on
   * the ack); otherwise only the message state changes and this resolves at once.
   */
  typeInput(options: {
    user: string;
    channel: string;
    messageTs: string;
    actionId?: string;
    value: string;
  }): Promise<void>;
  /** Modals the app opened with views.open and nobody submitted yet (for one user, or all), oldest first. */
  views(user?: string): OpenView[];
  /**
   * A user submits an open modal: `values` maps the action_id of input-block elements to the text
   * typed (plain_text_input) or the option value(s) chosen (static / multi_static select); inputs
   * not named are sent empty. Emits an `interactive` envelope of type `view_submission` (with
   * `view.state.values`, `private_metadata`, `callback_id`, user and a new trigger_id) and
   * resolves with the ack's payload; rejects if the app does not ack within ackTimeoutMs.
   * `privateMetadata` replaces the view's own in the payload (a tampered or foreign view).
   */
  submitView(options: {
    user: string;
    viewId: string;
    values: Record<string, string | string[]>;
    privateMetadata?: string;
  }): Promise<unknown>;
  /** What the bot posted in a channel (latest state after chat.update), oldest first. Includes text, blocks, thread_ts, ts, ephemeral user, edit history. */
  messages(channel: string): PostedMessage[];
  /** Files uploaded through files.getUploadURLExternal + upload + files.completeUploadExternal. */
  files(channel?: string): UploadedFile[];
  /** Counts for assertions: calls per Web API method, 429s answered, socket connections opened, envelopes redelivered. */
  stats(): EmulatorStats;
  /** Spec findings (only with `validateSpec: true`): each names the method or event and the JSON pointer that failed. */
  specViolations(): SpecViolation[];
  /** Fault injection. */
  faults: EmulatorFaults;
  waitFor<T>(fn: () => T | undefined | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface EmulatorFaults {
  dropSocket(): void; // close the live socket abruptly (no disconnect frame)
  sendDisconnect(reason: 'refresh_requested' | 'link_disabled' | 'warning'): void;
  slowResponses(ms: number): void; // delay every Web API answer
  failNext(method: string, status: number, count?: number): void; // e.g. 500s
  /** Answer the next `count` calls of `method` with HTTP 200 `{ok:false, error}` (e.g. 'channel_not_found'). */
  errorNext(method: string, error: string, count?: number): void;
  /** Make the live sockets go silent: no pongs, pings, or envelopes (a half-dead connection the client must detect). */
  freezeSocket(): void;
}

export interface EmulatorStats {
  calls: Record<string, number>;
  rateLimited: number;
  connections: number;
  /** Socket Mode connections open (said hello, not closed) right now. */
  liveConnections: number;
  redeliveries: number;
  /** Envelopes sent (first deliveries only). */
  envelopes: number;
  /** Envelopes acknowledged by the app. */
  acks: number;
  /** Envelopes that were never acknowledged (after all redeliveries). */
  expired: number;
  /** POSTs to response_url. */
  responseUrlPosts: number;
  /** POSTs to upload URLs. */
  uploads: number;
}

export interface PostedMessage {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  thread_ts?: string;
  ephemeralTo?: string;
  edits: number;
  /** Earlier versions, oldest first (one per chat.update or replace_original). */
  history: { text: string; blocks?: unknown[] }[];
  /** IDs of files shared with this message (a file_share message). */
  files?: string[];
}

export interface OpenView {
  id: string;
  /** Who sees it: the user whose interaction gave the trigger. */
  user: string;
  /** The view as Slack answers it (type, title, blocks, private_metadata, callback_id, state…). */
  view: Record<string, unknown>;
}

export interface UploadedFile {
  id: string;
  channel: string;
  filename: string;
  title?: string;
  content: Buffer;
  thread_ts?: string;
  initial_comment?: string;
}
