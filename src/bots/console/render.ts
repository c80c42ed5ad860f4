/**
 * Message → what the console shows. Pure: no I/O, no clock. The page and `switchboard chat`
 * render the result; everything here is data, never markup, so nothing a plugin or an event
 * writes can run in the browser.
 */

import {
  type Body,
  type Button,
  botNamePlaceholder,
  type LabelInput,
  type Message,
  type OptionItem,
  type Section,
} from '../../contract/message.js';
import type { ViewMessage } from '../../core/console-protocol.js';
import { replaceEmojiShortcodes as emoji } from '../../core/emoji-shortcodes.js';
import { messageTextLength } from '../../core/message-limits.js';
import { consoleLimits as L, ViewMessageShape } from './limits.js';

export interface ConsoleRenderContext {
  /** Replaces `{{BotName}}` in commands, e.g. `@Switchboard`. */
  mention: string;
  /** Readable characters per message; default {@link L.maxMessageLength}. */
  maxMessageLength?: number;
}

/** A rendered message and what was left out of it. */
export interface ConsoleRendering {
  message: ViewMessage;
  /** Sentences saying what is not shown (empty when everything is). */
  notices: string[];
}

/**
 * Renders `message` for the console, or undefined for a `skipMessage`. Only known fields are
 * kept; `{{BotName}}` becomes the mention; Slack emoji shortcodes in text (not in code or
 * commands) become emoji; link buttons keep only http(s) URLs; lists are cut
 * to {@link L}; a `baseBodyWithFilter` message shows only its body. Long text is not cut here:
 * the bridge fits every message to the console's capabilities before it is delivered.
 *
 * @throws Error when the text is longer than `maxMessageLength` (the message skipped the fit
 *   step), or the result breaks the console's limits (a bug here, not bad input).
 */
export function renderConsoleMessage(
  message: Message,
  context: ConsoleRenderContext,
): ConsoleRendering | undefined {
  if (message.type === 'skipMessage') return undefined;
  const notes = new Notes();
  const r = new ViewBuilder(context.mention, notes);
  const view: ViewMessage = { baseBody: r.body(message.baseBody) ?? {} };
  const timestamp = toTimestamp(message.timestamp);
  if (timestamp) view.timestamp = timestamp;
  if (message.type !== 'baseBodyWithFilter') {
    const sections = notes.take(message.sections, L.sections, 'sections')?.map((s) => r.section(s));
    if (sections && sections.length > 0) view.sections = sections;
    const inputs = r.inputs(message.plaintextInputs);
    if (inputs) view.plaintextInputs = inputs;
  }

  const max = context.maxMessageLength ?? L.maxMessageLength;
  const length = messageTextLength(view as Message);
  if (length > max) {
    throw new Error(
      `console message has ${length} characters of text, more than ${max}; it was not fitted to the console's capabilities`,
    );
  }

  const checked = ViewMessageShape.safeParse(view);
  if (!checked.success) {
    throw new Error(
      `console renderer broke its own limits: ${checked.error.issues[0]?.message ?? 'unknown'}`,
    );
  }
  return { message: view, notices: notes.list };
}

class Notes {
  readonly list: string[] = [];

  add(text: string): void {
    if (!this.list.includes(text)) this.list.push(text);
  }

  /** The first `max` items; the rest are counted in a notice. Undefined for none. */
  take<T>(items: readonly T[] | undefined, max: number, what: string): T[] | undefined {
    if (!Array.isArray(items) || items.length === 0) return undefined;
    if (items.length > max) this.add(`${items.length - max} more ${what} not shown.`);
    return items.slice(0, max);
  }
}

class ViewBuilder {
  constructor(
    private readonly mention: string,
    private readonly notes: Notes,
  ) {}

  body(body: Body | undefined): Body | undefined {
    if (!body) return undefined;
    const out: Body = {};
    if (typeof body.plaintext === 'string' && body.plaintext !== '') out.plaintext = emoji(body.plaintext);
    if (typeof body.codeBlock === 'string' && body.codeBlock !== '') out.codeBlock = body.codeBlock;
    return out.plaintext === undefined && out.codeBlock === undefined ? undefined : out;
  }

  command(command: unknown): string | undefined {
    if (typeof command !== 'string' || command.trim() === '') return undefined;
    const resolved = command.replaceAll(botNamePlaceholder, this.mention).trim();
    if (resolved.length > L.command) {
      this.notes.add(`A control whose command is longer than ${L.command} characters was disabled.`);
      return undefined;
    }
    return resolved;
  }

  section(section: Section): Section {
    const out: Section = {};
    const n = this.notes;
    if (section.header) out.header = clip(emoji(section.header), L.label * 2);
    if (typeof section.description === 'string' && section.description !== '')
      out.description = emoji(section.description);
    const body = this.body(section.body);
    if (body) out.body = body;
    if (section.style?.divider === 'none') out.style = { divider: 'none' };
    const buttons = n.take(section.buttons, L.buttonsPerSection, 'buttons')?.map((b) => this.button(b));
    if (buttons) out.buttons = buttons;
    const selects = n.take(section.selects?.items, L.selectsPerSection, 'selects')?.map((s) => {
      const groups = (s.optionGroups ?? []).map((g) => ({
        name: clip(emoji(g.name ?? ''), L.label),
        options: g.options ?? [],
      }));
      let room = L.optionsPerSelect;
      const total = groups.reduce((sum, g) => sum + g.options.length, 0);
      if (total > room) n.add(`${total - room} more options not shown.`);
      const kept = groups
        .map((g) => {
          const options = g.options.slice(0, Math.max(0, room)).map(option);
          room -= options.length;
          return { name: g.name, options };
        })
        .filter((g) => g.options.length > 0);
      const select: NonNullable<NonNullable<Section['selects']>['items']>[number] = { optionGroups: kept };
      if (s.type === 'static' || s.type === 'external') select.type = s.type;
      if (s.name) select.name = clip(emoji(s.name), L.label);
      const command = this.command(s.command);
      if (command) select.command = command;
      const initial =
        s.initialOption && kept.flatMap((g) => g.options).find((o) => o.value === s.initialOption?.value);
      if (initial) select.initialOption = initial;
      return select;
    });
    if (selects)
      out.selects = {
        ...(section.selects?.id ? { id: clip(section.selects.id, L.label) } : {}),
        items: selects,
      };
    if (section.multiSelect) {
      const m = section.multiSelect;
      const options = (n.take(m.options, L.optionsPerSelect, 'options') ?? []).map(option);
      const multi: NonNullable<Section['multiSelect']> = { options };
      if (m.name) multi.name = clip(emoji(m.name), L.label);
      const description = this.body(m.description);
      if (description) multi.description = description;
      const command = this.command(m.command);
      if (command) multi.command = command;
      const initial = (m.initialOptions ?? [])
        .filter((i) => options.some((o) => o.value === i.value))
        .map(option);
      if (initial.length > 0) multi.initialOptions = initial;
      out.multiSelect = multi;
    }
    const inputs = this.inputs(section.plaintextInputs);
    if (inputs) out.plaintextInputs = inputs;
    const fields = n.take(section.textFields, L.textFields, 'fields')?.map((f) => ({
      key: clip(emoji(String(f.key ?? '')), L.label),
      value: emoji(String(f.value ?? '')),
    }));
    if (fields) out.textFields = fields;
    const lists = n.take(section.bulletLists, L.bulletLists, 'lists')?.map((list) => {
      const items = (n.take(list.items, L.bulletItems, 'list items') ?? []).map((i) => emoji(String(i)));
      return list.title ? { title: clip(emoji(list.title), L.label), items } : { items };
    });
    if (lists) out.bulletLists = lists;
    const context = n
      .take(
        section.context?.filter((c) => c?.text),
        L.contextItems,
        'context lines',
      )
      ?.map((c) => ({ text: clip(emoji(c.text), L.label * 2) }));
    if (context) out.context = context;
    return out;
  }

  button(button: Button): Button {
    const out: Button = { name: clip(emoji(String(button.name ?? '')), L.label) };
    const command = this.command(button.command);
    if (command) out.command = command;
    if (button.url) {
      if (/^https?:\/\//i.test(button.url) && button.url.length <= L.url) out.url = button.url;
      else this.notes.add('A link that is not http(s), or too long, was removed.');
    }
    if (button.description) {
      // Unstyled and `code` descriptions show as code (the command to type), so they keep their text.
      const prose = button.descriptionStyle && button.descriptionStyle !== 'code';
      out.description = clip(prose ? emoji(button.description) : button.description, L.label * 2);
    }
    if (button.descriptionStyle) out.descriptionStyle = button.descriptionStyle;
    if (button.style === 'primary' || button.style === 'danger') out.style = button.style;
    return out;
  }

  inputs(inputs: readonly LabelInput[] | undefined): LabelInput[] | undefined {
    return this.notes.take(inputs, L.inputs, 'inputs')?.map((i) => {
      const out: LabelInput = {};
      const command = this.command(i.command);
      if (command) out.command = command;
      if (i.text) out.text = clip(emoji(i.text), L.label);
      if (i.placeholder) out.placeholder = clip(emoji(i.placeholder), L.label);
      if (i.dispatchedAction) out.dispatchedAction = i.dispatchedAction;
      return out;
    });
  }
}

/** The value goes into a command, so only the command limit bounds it. */
function option(o: OptionItem): OptionItem {
  return {
    name: clip(emoji(String(o.name || o.value || '')), L.label),
    value: clip(String(o.value ?? ''), L.command),
  };
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** An RFC 3339 string, or undefined for none (including Go's zero time). */
function toTimestamp(value: Date | string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() <= 1) return undefined;
  return date.toISOString();
}
