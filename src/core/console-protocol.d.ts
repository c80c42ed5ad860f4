/**
 * Types of `console-protocol.js`, the console's WebSocket protocol shared by the page, the agent and
 * `switchboard chat`. The implementation is plain JavaScript so that browsers load it as is.
 */
import type { Message } from '../contract/message.js';

export declare const protocolVersion: 1;
export declare const socketPath: '/ws';
/** Longest command a client may send, in characters. */
export declare const maxCommandLength: number;
/** Largest frame a client may send, in bytes; larger frames close the socket (code 1009). */
export declare const maxClientFrameBytes: number;

export type ConsoleOrigin = 'typed' | 'button' | 'select' | 'multi-select' | 'text-input';
export declare const commandOrigins: readonly ConsoleOrigin[];

/** Client → server: run `text` in `channel` (plus the interaction's `value`). */
export interface CommandFrame {
  type: 'command';
  channel: string;
  text: string;
  origin: ConsoleOrigin;
  /** A select's or input's value; a list for a multi-select. */
  value?: string | string[];
  /** The message whose button, select or input was used (not with origin `typed`). */
  source?: string;
  /** Echoed in the `message` (the command as posted) or `error` frame that answers it. */
  ref?: string;
}

export type ClientFrame = CommandFrame;

/**
 * A message as the console shows it: the chat model with its commands resolved (`{{BotName}}`
 * replaced by the mention), link URLs limited to http(s), sizes within the console's limits and
 * the timestamp as an RFC 3339 string.
 */
export interface ViewMessage extends Omit<Message, 'timestamp'> {
  timestamp?: string;
}

/** A file offered for download with a message (long output). */
export interface FileRef {
  name: string;
  /** Bytes. */
  size: number;
  /** Path of the download, relative to the console's root (same authentication as the page). */
  url: string;
}

/** One entry of a channel: a command someone gave, or a message of the agent. */
export interface ConsoleMessage {
  /** Unique within the agent run (`session`); edits carry the same id. */
  id: string;
  channel: string;
  kind: 'user' | 'bot';
  /** When it was first posted (RFC 3339). */
  postedAt: string;
  /** When it was last edited. */
  editedAt?: string;
  /** 0 when posted, +1 per edit. */
  revision: number;
  /** kind user: who, what and how. */
  user?: string;
  text?: string;
  origin?: ConsoleOrigin;
  /** kind bot: the message. */
  message?: ViewMessage;
  files?: FileRef[];
  /** kind bot: what the console left out (for example text beyond its size limit). */
  notice?: string;
  /** kind bot: the command is still producing this output; a later edit (without it) completes it. */
  streaming?: true;
  /**
   * kind bot: the `id` of the command (a `user` message of this channel) this message answers.
   * Absent on notifications (source events), which answer no command.
   */
  replyTo?: string;
}

export interface ChannelInfo {
  /** What commands and frames name the channel by (its configured name). */
  id: string;
  name: string;
}

export interface HelloFrame {
  type: 'hello';
  protocol: 1;
  /** Changes when the agent restarts: message ids restart too. */
  session: string;
  version: string;
  botName: string;
  /** How to address the agent, e.g. `@Switchboard`. */
  mention: string;
  /** The name this connection's commands are given under. */
  user: string;
  channels: ChannelInfo[];
  /** What the console accepts from this client; more is refused with an error frame. */
  limits: { maxCommandLength: number; commandsPerSecond: number; commandBurst: number };
}

/** Recent messages of one channel, oldest first; sent after `hello`, one per channel. */
export interface HistoryFrame {
  type: 'history';
  channel: string;
  messages: ConsoleMessage[];
}

export interface MessageFrame {
  type: 'message';
  message: ConsoleMessage;
  /** The `ref` of the command frame this message is the echo of. */
  ref?: string;
}

/** A posted message changed (streaming output); replaces the message with the same id. */
export interface EditFrame {
  type: 'edit';
  message: ConsoleMessage;
}

/**
 * A `form` answer (Botkube's PopupMessage) to a button, select or input this connection used:
 * show it as a dialog. Sent only to that connection and kept in no history; it is not a channel
 * message, so nothing edits or replaces it. Its fields' commands run in `channel`.
 */
export interface FormFrame {
  type: 'form';
  /** Names this form (`form:<n>`); unlike message ids it is never in a channel. */
  id: string;
  /** The channel the form was asked for. */
  channel: string;
  /** The form, rendered as messages are (see ConsoleMessage.message). */
  form: ViewMessage;
  /** What the console left out of it. */
  notice?: string;
  /** The `ref` of the command frame whose click asked for the form. */
  ref?: string;
}

/** The agent's `/status` document (plugins, platforms, sources, queues). */
export interface StatusFrame {
  type: 'status';
  status: unknown;
}

/** A command or frame was refused; the text says why. */
export interface ErrorFrame {
  type: 'error';
  error: string;
  ref?: string;
}

export type ServerFrame =
  | HelloFrame
  | HistoryFrame
  | MessageFrame
  | EditFrame
  | FormFrame
  | StatusFrame
  | ErrorFrame;

export declare function commandFrame(
  channel: string,
  text: string,
  options?: { origin?: ConsoleOrigin; value?: string | string[]; ref?: string },
): CommandFrame;

export declare function readClientFrame(
  data: string,
  limits?: { maxCommandLength?: number },
): { ok: true; frame: ClientFrame } | { ok: false; error: string; ref?: string };

export declare function readServerFrame(data: string): ServerFrame | undefined;

export declare function socketUrl(pageUrl: string): string;
