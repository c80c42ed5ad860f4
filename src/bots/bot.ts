import type { Destination, ModalTrigger, PostedRef } from '../delivery/destination.js';

/** How a command reached the agent. */
export type CommandOrigin = 'typed' | 'button' | 'select' | 'multi-select' | 'text-input' | 'automation';

/** A chat message or interaction that may carry a command for the agent. */
export interface InboundCommand {
  /** The bot instance it arrived on (`<group>/<platform>`). */
  botId: string;
  channel: { id: string; name: string };
  user: { id: string; mention: string; displayName: string };
  /** Raw text as the platform delivered it (mention still in it for typed commands). */
  text: string;
  origin: CommandOrigin;
  /** Thread to answer in. */
  threadId?: string;
  /**
   * Answer in this platform channel instead of the configured channel `channel.id` names: a
   * direct message to the bot runs with the bindings of a configured channel but is answered
   * privately (Slack `directMessages`).
   */
  replyChannelId?: string;
  /** Link to the message, when the platform has one. */
  url?: string;
  /** Slack block-action state, forwarded to plugins as slackState. */
  interactionState?: Uint8Array;
  /**
   * The message whose button, select or input gave the command (interactive origins only), as
   * the platform posted it: an answer with `replaceOriginal` replaces it instead of posting anew.
   */
  sourceMessage?: PostedRef;
  /**
   * The platform's permission to open a modal for this user (Slack's `trigger_id` of a click), and
   * when it arrived: a `form` answer is shown as a modal while it is fresh (Botkube's
   * PopupMessage), else posted. Interactive origins only; typed commands have none.
   */
  modalTrigger?: ModalTrigger;
}

/** Connection state shown in `/status` and `status`. */
export interface BotStatus {
  state: 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'stopped';
  /** Reconnects since start. */
  reconnects: number;
  lastError?: string;
}

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
