import { botNamePlaceholder } from '../../contract/message.js';
import type { CommandFrame } from '../../core/console-protocol.js';
import type { InboundCommand } from '../../core/inbound-command.js';

export interface InboundContext {
  botId: string;
  /** The bot's mention, e.g. `@Switchboard`; stands in for `{{BotName}}`. */
  mention: string;
  mentionPattern: RegExp;
  /** The connection's user name. */
  user: string;
  /** The hub's id of the connection the frame came on (see {@link consoleModalTrigger}). */
  connection: string;
  /** When the frame arrived (ms since the epoch). */
  receivedAt: number;
  /** The id the command is posted under in its channel; answers name it (`replyTo`). */
  messageId: string;
}

/** A command ready for the agent, and the text to show in the channel for it. */
export interface ConsoleCommand {
  inbound: InboundCommand;
  /** What was run, without the leading mention. */
  shown: string;
}

/**
 * The modal trigger of a click: the connection that clicked and the ref of its command frame.
 * A `form` answer to it opens as a dialog on that connection only (ConsoleBot.openModal).
 */
export function consoleModalTrigger(connection: string, ref: string | undefined): string {
  return `${connection}/${ref ?? ''}`;
}

/** The connection and command ref a trigger made by {@link consoleModalTrigger} names. */
export function readModalTrigger(id: string): { connection: string; ref?: string } {
  const slash = id.indexOf('/');
  if (slash < 0) return { connection: id };
  const ref = id.slice(slash + 1);
  return { connection: id.slice(0, slash), ...(ref === '' ? {} : { ref }) };
}

/**
 * Turns a validated command frame into the agent's InboundCommand. On the console every line
 * is a command, with or without `@Switchboard`. Interactions run their command with the chosen
 * value appended after a blank, as Botkube does (`<command> <value>`; a multi-select's values
 * joined by commas); `{{BotName}}` becomes the mention, which the command parser strips.
 * Interactions carry a `modalTrigger` naming the connection, so that a `form` answer can open
 * as a dialog in the page that clicked; typed commands have none (Slack gives none either).
 * The command's own message id is its `threadId`, so every answer comes back naming it.
 */
export function toConsoleCommand(frame: CommandFrame, context: InboundContext): ConsoleCommand {
  const base = frame.text.replaceAll('\r', '').replaceAll(botNamePlaceholder, context.mention).trim();
  const value = Array.isArray(frame.value) ? frame.value.join(',') : frame.value;
  const text = value === undefined || value === '' ? base : `${base} ${value}`.trim();
  const user = context.user;
  return {
    inbound: {
      botId: context.botId,
      channel: { id: frame.channel, name: frame.channel },
      user: { id: `console:${user}`, mention: `@${user}`, displayName: user },
      text,
      origin: frame.origin,
      threadId: context.messageId,
      ...(frame.origin === 'typed'
        ? {}
        : {
            modalTrigger: {
              id: consoleModalTrigger(context.connection, frame.ref),
              receivedAt: context.receivedAt,
            },
          }),
    },
    shown: stripMention(text, context.mentionPattern),
  };
}

/**
 * A user name from a client: letters, digits, `.`, `_`, `@` and `-`, at most 40 characters;
 * anything else is dropped. Falls back to `fallback` when nothing is left.
 */
export function cleanUserName(raw: string | null | undefined, fallback: string): string {
  const clean = (raw ?? '').replace(/[^\p{L}\p{N}._@-]/gu, '').slice(0, 40);
  return clean === '' ? fallback : clean;
}

function stripMention(text: string, mention: RegExp): string {
  const sticky = new RegExp(mention.source, `${mention.flags.replace(/[gy]/g, '')}y`);
  const match = sticky.exec(text);
  return match ? text.slice(match[0].length).replace(/^[:,]?\s*/, '') : text;
}
