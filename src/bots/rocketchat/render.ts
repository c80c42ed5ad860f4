/**
 * A {@link Message} as a Rocket.Chat message: Rocket.Chat markdown in `msg` (single `*` bold,
 * `_` italic, fenced code, `[name](url)` links), event sections as legacy attachments (title,
 * colour, fields), and the interactive parts as attachment actions. A plain bot user receives no
 * UIKit block actions (only Apps-Engine apps do), so every command button is a
 * `msg_in_chat_window` action: the click makes the clicking user post the command, which reaches
 * the bot as that user's own message. A select becomes one button per option. Pure: no I/O, no
 * clock.
 */
import {
  type Button,
  botNamePlaceholder,
  type Message,
  type OptionItem,
  type Section,
} from '../../contract/message.js';
import { renderMessageText } from '../../core/render-text.js';
import { type RocketAction, type RocketAttachment, type RocketPayload, rocketChatLimits } from './limits.js';

export interface RocketRenderContext {
  /** The bot's mention, `@switchboard`: what `{{BotName}}` in a command becomes. */
  botMention: string;
  /** `event`: sections become coloured attachments with fields; `reply`: one markdown text. */
  kind: 'event' | 'reply';
}

const dialect = { bold: '*', italic: '_', link: 'markdown' } as const;
/** Rocket.Chat's blue: events have no severity in the message model. */
const eventColour = '#1d74f5';

/** Renders `message`; `undefined` for a `skipMessage`. */
export function renderRocketMessage(message: Message, ctx: RocketRenderContext): RocketPayload | undefined {
  if (message.type === 'skipMessage') return undefined;
  const sections = message.type === 'baseBodyWithFilter' ? [] : (message.sections ?? []);
  const attachments: RocketAttachment[] = [];
  let msg: string;
  if (ctx.kind === 'event' && sections.length > 0) {
    msg = markdown({ baseBody: message.baseBody, plaintextInputs: message.plaintextInputs ?? [] }, ctx);
    for (const section of sections) attachments.push(eventAttachment(section, ctx));
  } else {
    msg = markdown({ ...message, sections: sections.map(withoutControls) }, ctx);
  }
  for (const section of sections) attachments.push(...controlAttachments(section, ctx));
  const payload: RocketPayload = { msg };
  if (attachments.length > 0) payload.attachments = attachments;
  return payload;
}

function markdown(message: Message, ctx: RocketRenderContext): string {
  return renderMessageText(message, { format: 'markdown', dialect, botName: ctx.botMention }).full;
}

/** A section whose buttons and selects are left to the attachment actions. */
function withoutControls(section: Section): Section {
  const { selects: _selects, multiSelect, buttons, ...rest } = section;
  const links = (buttons ?? []).filter((b) => !b.command);
  return {
    ...rest,
    ...(links.length > 0 ? { buttons: links } : {}),
    // The description above a multi-select is text, not a control.
    ...(multiSelect?.description
      ? { description: joinText(rest.description, multiSelect.description.plaintext) }
      : {}),
  };
}

function eventAttachment(section: Section, ctx: RocketRenderContext): RocketAttachment {
  const { header, textFields, ...rest } = withoutControls(section);
  const text = markdown({ baseBody: {}, sections: [rest] }, ctx);
  const fields = (textFields ?? [])
    .filter((f) => f.key !== '')
    .slice(0, rocketChatLimits.fields)
    .map((f) => ({ short: true, title: f.key.slice(0, rocketChatLimits.title), value: f.value }));
  return {
    color: eventColour,
    ...(header ? { title: header.slice(0, rocketChatLimits.title) } : {}),
    ...(text ? { text } : {}),
    ...(fields.length > 0 ? { fields } : {}),
  };
}

/** The section's buttons in one attachment, and each select in one of its own, titled with its name. */
function controlAttachments(section: Section, ctx: RocketRenderContext): RocketAttachment[] {
  const out: RocketAttachment[] = [];
  const buttons = (section.buttons ?? []).filter((b) => b.command).map((b) => buttonAction(b, ctx));
  if (buttons.length > 0) out.push(...chunk(buttons).map((actions) => ({ actions })));
  for (const select of section.selects?.items ?? []) {
    const options = (select.optionGroups ?? []).flatMap((g) => g.options ?? []);
    out.push(...choiceAttachments(select.name, select.command, options, ctx));
  }
  const multi = section.multiSelect;
  if (multi) out.push(...choiceAttachments(multi.name, multi.command, multi.options ?? [], ctx));
  return out;
}

function choiceAttachments(
  name: string | undefined,
  command: string | undefined,
  options: OptionItem[],
  ctx: RocketRenderContext,
): RocketAttachment[] {
  if (!command || options.length === 0) return [];
  const actions = options.map((o) => commandAction(o.name || o.value, `${command} ${o.value}`, ctx));
  const title = name ? name.slice(0, rocketChatLimits.title) : undefined;
  return chunk(actions).map((part) => ({ ...(title ? { title } : {}), actions: part }));
}

function buttonAction(button: Button, ctx: RocketRenderContext): RocketAction {
  return commandAction(button.name, button.command ?? '', ctx);
}

function commandAction(label: string, command: string, ctx: RocketRenderContext): RocketAction {
  const msg = command.includes(botNamePlaceholder)
    ? command.replaceAll(botNamePlaceholder, ctx.botMention).trim()
    : `${ctx.botMention} ${command.trim()}`;
  return {
    type: 'button',
    text: (label || msg).slice(0, rocketChatLimits.title),
    msg,
    msg_in_chat_window: true,
    msg_processing_type: 'sendMessage',
  };
}

function chunk<T>(items: T[]): T[][] {
  const parts: T[][] = [];
  for (let i = 0; i < items.length; i += rocketChatLimits.actions) {
    parts.push(items.slice(i, i + rocketChatLimits.actions));
  }
  return parts;
}

function joinText(a: string | undefined, b: string | undefined): string {
  return [a, b].filter((t) => t && t.trim() !== '').join('\n');
}
