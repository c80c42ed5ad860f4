/**
 * The Slack renderer: a pure function from the chat message model to Block Kit messages, in
 * Botkube's layout (`pkg/bot/slack_renderer.go`): base body, then each section (header,
 * description, fields, body, inputs, bullet lists, buttons, multi-select, selects, context)
 * with a divider between sections, then inputs and the timestamp. Text from plugins and events
 * is escaped (mentions and links survive, see mrkdwn.ts). Whatever the size of the message,
 * each resulting Slack message is within every limit in limits.ts: long text is split across
 * sections, many blocks across messages.
 */
import { botNamePlaceholder, type Message, type Section, type TextField } from '../../contract/message.js';
import { ActionCodec } from './action-codec.js';
import { type ContextBlock, type Mrkdwn, md, plain, type SlackBlock, type SlackPayload } from './blocks.js';
import { slackLimits as L } from './limits.js';
import { clipEscaped, escapeCode, escapeMrkdwn, fence, fenceOverhead, splitEscaped } from './mrkdwn.js';
import {
  type InteractiveContext,
  renderButtons,
  renderInput,
  renderMultiSelect,
  renderSelects,
} from './render-interactive.js';
import { packBlocks } from './render-parts.js';

/** What the renderer needs to know about the bot; no clock, no I/O. */
export interface SlackRenderContext {
  /** The bot's mention (`<@U0BOT>`): replaces `{{BotName}}` in text and commands. */
  botMention: string;
  /** The bot's name as people read it (`@switchboard`): replaces `{{BotName}}` in labels. */
  botName: string;
}

/** The result of {@link renderSlackMessage}. */
export interface SlackRendering {
  /** Slack messages to post in order; empty for `skipMessage` or a message with nothing in it. */
  parts: SlackPayload[];
  /** References the bot must keep to decode its elements later (see action-codec.ts). */
  refs: ReadonlyMap<string, string>;
}

/** Most fields in one fields section, by characters (ten 2,000-character fields would not fit a message). */
const fieldsSectionText = 6000;
/** Most characters in one context block. */
const contextBlockText = 3000;

/** Renders `message` as one or more Slack messages, each within Slack's limits. */
export function renderSlackMessage(message: Message, ctx: SlackRenderContext): SlackRendering {
  const codec = new ActionCodec();
  if (message.type === 'skipMessage') return { parts: [], refs: codec.refs };
  const r = new BlockWriter({ ...ctx, codec });
  r.text(message.baseBody.plaintext);
  r.code(message.baseBody.codeBlock);
  if (message.type !== 'baseBodyWithFilter') {
    const sections = message.sections ?? [];
    sections.forEach((section, i) => {
      const before = r.blocks.length;
      r.section(section);
      const last = i === sections.length - 1;
      if (!last && r.blocks.length > before && section.style?.divider !== 'none') r.divider();
    });
    for (const input of message.plaintextInputs ?? []) r.input(input);
  }
  r.timestamp(message.timestamp);
  return { parts: packBlocks(r.blocks), refs: codec.refs };
}

class BlockWriter {
  readonly blocks: SlackBlock[] = [];

  constructor(private readonly ctx: InteractiveContext) {}

  /** Plugin text as mrkdwn: escaped, `{{BotName}}` as the mention, split across sections. */
  text(text: string | undefined): void {
    if (!text?.trim()) return;
    for (const chunk of splitEscaped(this.#mrkdwn(text), L.sectionText)) this.#sectionText(chunk);
  }

  /** Preformatted text, fenced; long code continues in further fenced sections. */
  code(text: string | undefined): void {
    if (!text?.trim()) return;
    const escaped = escapeCode(text.replace(/\n+$/, ''));
    for (const chunk of splitEscaped(escaped, L.sectionText - fenceOverhead)) {
      this.blocks.push({ type: 'section', text: md(fence(chunk)) });
    }
  }

  section(s: Section): void {
    if (s.header?.trim()) this.#header(s.header);
    this.text(s.description);
    this.#fields(s.textFields ?? []);
    this.text(s.body?.plaintext);
    this.code(s.body?.codeBlock);
    for (const input of s.plaintextInputs ?? []) this.input(input);
    this.#bullets(s);
    this.blocks.push(...renderButtons(s.buttons ?? [], this.ctx));
    if (s.multiSelect) this.blocks.push(...renderMultiSelect(s.multiSelect, this.ctx));
    if (s.selects) this.blocks.push(...renderSelects(s.selects, this.ctx));
    this.#context((s.context ?? []).map((c) => c.text));
  }

  input(input: Parameters<typeof renderInput>[0]): void {
    const block = renderInput(input, this.ctx);
    if (block) this.blocks.push(block);
  }

  divider(): void {
    this.blocks.push({ type: 'divider' });
  }

  /** Slack's date markup shows the time in each reader's zone; the fallback is UTC. */
  timestamp(value: Date | string | undefined): void {
    if (value === undefined) return;
    const date = value instanceof Date ? value : new Date(value);
    const ms = date.getTime();
    if (Number.isNaN(ms) || date.getUTCFullYear() <= 1) return;
    const seconds = Math.floor(ms / 1000);
    this.#context([], [md(`<!date^${seconds}^{date_num} {time_secs}|${date.toUTCString()}>`)]);
  }

  #mrkdwn(text: string): string {
    return escapeMrkdwn(text).replaceAll(botNamePlaceholder, this.ctx.botMention);
  }

  #sectionText(escaped: string): void {
    if (escaped.trim()) this.blocks.push({ type: 'section', text: md(escaped) });
  }

  /** A header block when it fits 150 characters of plain text, else a bold line. */
  #header(text: string): void {
    const readable = text.replaceAll(botNamePlaceholder, this.ctx.botName).replace(/\s+/g, ' ').trim();
    if (readable.length <= L.headerText) {
      this.blocks.push({ type: 'header', text: plain(readable) });
      return;
    }
    this.#sectionText(`*${clipEscaped(this.#mrkdwn(readable), L.sectionText - 2)}*`);
  }

  /**
   * Fields as `*key:* value` in a two-column grid, ten at most per section; a field too long for
   * the grid gets a section of its own so nothing is cut.
   */
  #fields(fields: readonly TextField[]): void {
    let grid: Mrkdwn[] = [];
    let size = 0;
    const flush = () => {
      if (grid.length > 0) this.blocks.push({ type: 'section', fields: grid });
      grid = [];
      size = 0;
    };
    for (const field of fields) {
      if (!field.key && !field.value) continue;
      const text = `*${this.#mrkdwn(field.key)}:* ${this.#mrkdwn(field.value)}`;
      if (text.length > L.fieldText) {
        flush();
        this.text(`*${field.key}:*\n${field.value}`);
        continue;
      }
      if (grid.length === L.sectionFields || size + text.length > fieldsSectionText) flush();
      grid.push(md(text));
      size += text.length;
    }
    flush();
  }

  #bullets(s: Section): void {
    const lists = (s.bulletLists ?? []).filter((l) => (l.items ?? []).length > 0);
    if (lists.length === 0) return;
    const text = lists
      .map((l) =>
        [l.title ? `*${l.title}*` : '', ...(l.items ?? []).map((item) => `• ${item}`)]
          .filter(Boolean)
          .join('\n'),
      )
      .join('\n\n');
    this.text(text);
  }

  /** Context lines, ten elements per context block; long ones are split, never dropped. */
  #context(texts: readonly string[], ready: Mrkdwn[] = []): void {
    const elements = [...ready];
    for (const text of texts) {
      if (!text.trim()) continue;
      for (const chunk of splitEscaped(this.#mrkdwn(text), contextBlockText)) elements.push(md(chunk));
    }
    let block: ContextBlock = { type: 'context', elements: [] };
    let size = 0;
    for (const element of elements) {
      const full =
        block.elements.length === L.contextElements || size + element.text.length > contextBlockText;
      if (full && block.elements.length > 0) {
        this.blocks.push(block);
        block = { type: 'context', elements: [] };
        size = 0;
      }
      block.elements.push(element);
      size += element.text.length;
    }
    if (block.elements.length > 0) this.blocks.push(block);
  }
}
