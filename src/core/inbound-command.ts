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
  /**
   * How the connection it arrived on writes a mention of the bot (set by the agent when it hands
   * the command on). Preferred over the bot registered under `botId` now, which may be another
   * connection of the same bot that has not learnt its own user yet (a restart, an HA take-over).
   */
  mentionPattern?: RegExp;
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

/** A platform's one-time permission to open a modal for a user (Slack's `trigger_id`, valid ~3 s). */
export interface ModalTrigger {
  id: string;
  /** When the interaction that carried it arrived (ms since the epoch): it is worthless a few seconds later. */
  receivedAt: number;
}

/** A posted message, for later edits. */
export interface PostedRef {
  channelId: string;
  messageId: string;
}
