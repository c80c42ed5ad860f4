import type { BotStatus } from '../core/bot-status.js';
import type { InboundCommand } from '../core/inbound-command.js';
import type { Destination } from '../delivery/destination.js';

/**
 * A two-way chat platform: a destination for messages plus an inbound
 * transport. Bots never import bridges; the agent passes `onCommand` in.
 */
export interface Bot extends Destination {
  /** Connects; commands arrive through `onCommand` until stop(). Rejects with a clear error on bad credentials. */
  start(onCommand: (command: InboundCommand) => void): Promise<void>;
  stop(): Promise<void>;
  status(): BotStatus;
  /** The text a message must start with to address this bot (its mention), for command cleaning. */
  mentionPattern(): RegExp;
}

/**
 * What the agent offers the platforms it creates. The status is opaque here: a platform may show
 * it (the console's status panel) but must not depend on the agent's status model.
 */
export interface PlatformContext {
  /** The agent's live status (plugins, platforms, sources, delivery queues), as JSON-able data. */
  status(): unknown;
  version: string;
}
