/**
 * The Discord renderer: a pure function from the chat message model to one Discord message.
 * Text is CommonMark as Discord reads it (bold headers, fenced code, `• key: value` fields) in
 * `content`; a source event is an embed coloured by its level, like an alert card; buttons and
 * selects become components (components.ts). No I/O, no clock: the result is checked against
 * limits.ts before it is sent.
 */
import { botNamePlaceholder, type Message } from '../../contract/message.js';
import { renderMessageText } from '../../core/render-text.js';
import { ComponentIds } from './component-ids.js';
import { layoutControls } from './components.js';
import { type DiscordEmbed, type DiscordPayload, discordLimits as L } from './limits.js';

export interface DiscordRenderContext {
  /** The bot's mention (`<@id>`): replaces `{{BotName}}` in text and commands. */
  botMention: string;
  /** The bot's name as people read it (`@switchboard`), for labels. */
  botName: string;
  /** Render as an event card (an embed coloured by level) rather than plain content. */
  asEvent?: boolean;
}

export interface DiscordRendering {
  /** Undefined for `skipMessage` or a message with nothing to show. */
  payload: DiscordPayload | undefined;
  /** References the bot must keep to decode its components later (see component-ids.ts). */
  refs: ReadonlyMap<string, string>;
}

/** How serious an event looks, read from its words (the message model has no level field). */
export type EventLevel = 'error' | 'warning' | 'success' | 'info';

export const levelColours: Record<EventLevel, number> = {
  error: 0xe74c3c,
  warning: 0xf1c40f,
  success: 0x2ecc71,
  info: 0x3498db,
};

/** The level an event's text suggests: Kubernetes reasons and Botkube's headers name it in words. */
export function eventLevel(text: string): EventLevel {
  if (/\b(error|errors|failed|failure|fail|crash\w*|backoff|oomkilled|critical|fatal)\b/i.test(text))
    return 'error';
  if (/\bwarn(ing)?\b/i.test(text)) return 'warning';
  if (/\b(success\w*|succeeded|created|ready|resolved|healthy|completed)\b/i.test(text)) return 'success';
  return 'info';
}

/** Renders `message` as one Discord message within every limit in limits.ts. */
export function renderDiscordMessage(message: Message, ctx: DiscordRenderContext): DiscordRendering {
  const ids = new ComponentIds(L.customId);
  if (message.type === 'skipMessage') return { payload: undefined, refs: ids.refs };
  const interactive = message.type !== 'baseBodyWithFilter';
  const layout = interactive
    ? layoutControls(message.sections ?? [], { ids, botMention: ctx.botMention, botName: ctx.botName })
    : { rows: [], sections: message.sections ?? [], notes: [] };
  const notes = layout.notes.join('\n');
  const base: Message = { ...message, sections: layout.sections };
  let title: string | undefined;
  const first = base.sections?.[0];
  if (ctx.asEvent && first?.header) {
    title = clip(first.header.replaceAll(botNamePlaceholder, ctx.botName), L.embedTitle);
    base.sections = [{ ...first, header: '' }, ...(base.sections ?? []).slice(1)];
  }
  const room = (ctx.asEvent ? L.embedDescription : L.content) - (notes ? notes.length + 1 : 0);
  const text = renderMessageText(base, {
    format: 'markdown',
    botName: ctx.botMention,
    // A safety net only: the bridge fits messages to 2,000 characters before they get here.
    limits: { maxChars: Math.max(room, 100) },
  });
  const body = [text.parts[0] ?? '', notes]
    .filter(Boolean)
    .join('\n')
    .replaceAll(botNamePlaceholder, ctx.botMention);
  if (!body && !title && layout.rows.length === 0) return { payload: undefined, refs: ids.refs };
  if (!ctx.asEvent)
    return { payload: { content: body, embeds: [], components: layout.rows }, refs: ids.refs };
  const embed: DiscordEmbed = { color: levelColours[eventLevel(`${title ?? ''}\n${body}`)] };
  if (title) embed.title = title;
  if (body) embed.description = body;
  const ts = message.timestamp instanceof Date ? message.timestamp.toISOString() : message.timestamp;
  if (ts && !Number.isNaN(Date.parse(ts))) embed.timestamp = new Date(ts).toISOString();
  return { payload: { content: '', embeds: [embed], components: layout.rows }, refs: ids.refs };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
