/**
 * What the bot conformance suite needs from a platform: a way to start the agent against that
 * platform's emulator and to act as its users. Every two-way platform implements this once, in
 * its own driver, and runs the shared scenario table unchanged.
 */

/** The channels every driver configures, by role. */
export type ChannelRole =
  /** Configured, with the executors (echo, exec, the fixture) bound. */
  | 'ops'
  /** Configured, with no executor bound. */
  | 'quiet'
  /** Reachable by the bot on the platform, but not in the agent's config. */
  | 'elsewhere';

/** The people every driver provides. */
export type UserRole = 'ada' | 'bob';

/** Behaviours a platform may not have; a scenario that needs one states it in the table. */
export type Capability = 'rate-limit';

export interface AttachedFile {
  name: string;
  read(): Promise<string>;
}

/** One bot message in a channel, as the platform's users see it. */
export interface Reply {
  /** The platform's id for the message; what `interact` takes. */
  id: string;
  /** The latest version, as searchable text (rendering details included). */
  text: string;
  /** Every version of the message, oldest first; the last one equals `text`. */
  versions: string[];
  files: AttachedFile[];
}

/** A control of a bot message: a button by its label, or an option of a select by its value. */
export type Control = { button: string } | { select: string; value: string };

/** A rate-limit answer the platform was told to give. */
export interface Throttle {
  /** The retry-after it carries. */
  retryAfterMs: number;
  /** How many rate-limit answers the platform gave since. */
  given(): number;
}

/** What a started platform tells the scenarios. */
export interface DriverSession {
  /** The agent's operations URL (`/status`). */
  operationsUrl: string;
  /** The platform instance's id in `/status`, e.g. `default/console`. */
  platformId: string;
  /** Every line the agent logged so far (debug level), kept current. */
  logLines: Record<string, unknown>[];
  /** Credentials the agent was given for this platform; none may ever reach its log. */
  secrets: string[];
}

/**
 * A platform seen from the outside: its emulator plus the agent configured for it, the channels
 * of {@link ChannelRole} and the users of {@link UserRole}.
 */
export interface PlatformDriver {
  readonly name: string;
  readonly capabilities: readonly Capability[];
  /** Starts the emulator and an agent connected to it; resolves once the agent is ready. */
  start(): Promise<DriverSession>;
  stop(): Promise<void>;
  /** `user` writes a command to the bot in `channel` (addressed to it as the platform requires). */
  send(channel: ChannelRole, text: string, user?: UserRole): Promise<void>;
  /** The bot's messages in `channel` so far, oldest first. */
  replies(channel: ChannelRole): Promise<Reply[]>;
  /** `user` clicks a button or picks an option on the bot message `replyId` in `channel`. */
  interact(channel: ChannelRole, replyId: string, control: Control, user: UserRole): Promise<void>;
  /** How an answer names `user` when it credits them (e.g. `by @bob`). */
  credit(user: UserRole): string;
  /**
   * The server drops the bot's connection. Resolves once the drop happened, while the platform
   * has not reconnected yet, so that a `send` right after it falls into the gap.
   */
  dropConnection(): Promise<void>;
  /** With `rate-limit`: the platform's next posting call is answered as rate limited. */
  throttle?(): Throttle;
}
