/**
 * Renders a {@link Message} as text, for platforms without rich layout (Discord and Rocket.Chat
 * content, Mattermost, the console, files) and for the full-output attachment. Interactive parts
 * become hints: the command a button would run is shown so it can be typed.
 */
import { type Button, botNamePlaceholder, type Message, type Section } from '../contract/message.js';
import { type PackItem, packText, type TextLimits } from './text-pack.js';

export type { TextLimits } from './text-pack.js';

/** `plain` text, or `markdown` (bold headers, fenced code, inline-code commands). */
export type TextFormat = 'plain' | 'markdown';

/** The markdown spellings that differ between platforms. */
export interface MarkdownDialect {
  /** `**` for CommonMark (Discord, Mattermost), `*` for Slack mrkdwn and Rocket.Chat. */
  bold: '**' | '*';
  /** `_` everywhere except where `*` is wanted. */
  italic: '_' | '*';
  /** `[name](url)` (CommonMark, Rocket.Chat), `<url|name>` (Slack), or `name: url`. */
  link: 'markdown' | 'slack' | 'bare';
}

/** Options for {@link renderMessageText}. */
export interface RenderTextOptions {
  /** Default `plain`. */
  format?: TextFormat;
  /** Markdown spellings; default CommonMark (`**`, `_`, `[name](url)`). */
  dialect?: Partial<MarkdownDialect>;
  /** A first line, e.g. "`kubectl get pods` on prod" (bold in markdown). */
  header?: string;
  /**
   * Replaces `{{BotName}}` in the commands shown for buttons, selects and inputs (e.g.
   * `@Switchboard`). Without it the placeholder and the blank after it are removed.
   */
  botName?: string;
  /** Add the message timestamp as a last line. Default false. */
  showTimestamp?: boolean;
  limits?: TextLimits;
}

/** The result of {@link renderMessageText}. */
export interface RenderedText {
  /**
   * The messages to post, in order, each within `limits.maxChars`. One part without limits;
   * none for a `skipMessage` or a message with nothing to show.
   */
  parts: string[];
  /** The whole rendering, never cut: attach it as a file when `cut` is true. */
  full: string;
  /** True when `parts` do not hold all of `full` (the cut is marked with the notice). */
  cut: boolean;
}

const defaultDialect: MarkdownDialect = { bold: '**', italic: '_', link: 'markdown' };
/** Options shown per select or multi-select; the rest are counted. */
const maxOptionsShown = 10;

/**
 * Renders `message` as plain text or markdown, in this order: the `header` option; `baseBody`
 * (plaintext, then code); each section (header, description, body, text fields as `• key: value`,
 * bullet lists, buttons, selects, inputs, context lines); the message's own inputs; the timestamp.
 * Blocks are separated by a blank line. In markdown, code is fenced with ```; a ``` inside code
 * gets a zero-width space so it cannot close the fence. A `baseBodyWithFilter` message shows only
 * its `baseBody`, as the model says. Plugin text is not escaped: plugins write markdown on
 * purpose.
 *
 * With `limits`, the text is cut at line boundaries (a longer line is split), code fences are
 * closed at the end of a part and reopened in the next, and where text is left out the notice
 * line says so; `full` stays complete.
 *
 * @throws RangeError when `limits.maxChars` is below 20 or `limits.maxParts` below 1 (a
 *   programming error, not input).
 */
export function renderMessageText(message: Message, options: RenderTextOptions = {}): RenderedText {
  const r = new Renderer(options);
  if (message.type === 'skipMessage') return { parts: [], full: '', cut: false };
  if (options.header) r.block(() => r.line(r.bold(options.header as string)));
  r.block(() => {
    r.text(message.baseBody.plaintext);
    r.code(message.baseBody.codeBlock);
  });
  if (message.type !== 'baseBodyWithFilter') {
    for (const section of message.sections ?? []) r.block(() => r.section(section));
    r.block(() => r.inputs(message.plaintextInputs));
  }
  if (options.showTimestamp && message.timestamp !== undefined) {
    const ts = message.timestamp instanceof Date ? message.timestamp.toISOString() : message.timestamp;
    if (ts !== '') r.block(() => r.line(r.italic(ts)));
  }
  const full = r.items.map((i) => i.text).join('\n');
  if (full === '') return { parts: [], full, cut: false };
  if (!options.limits) return { parts: [full], full, cut: false };
  return { ...packText(r.items, options.limits), full };
}

class Renderer {
  readonly items: PackItem[] = [];
  private readonly markdown: boolean;
  private readonly dialect: MarkdownDialect;

  constructor(private readonly options: RenderTextOptions) {
    this.markdown = options.format === 'markdown';
    this.dialect = { ...defaultDialect, ...options.dialect };
  }

  /** Runs `fill`; if it added lines, they follow a blank line (except at the top). */
  block(fill: () => void): void {
    const start = this.items.length;
    if (start > 0) this.items.push({ text: '' });
    fill();
    if (start > 0 && this.items.length === start + 1) this.items.pop();
  }

  line(text: string): void {
    for (const line of text.split('\n')) this.items.push({ text: line });
  }

  text(value: string | undefined): void {
    const text = trimFinalNewline(value);
    if (text) this.line(text);
  }

  code(value: string | undefined): void {
    const text = trimFinalNewline(value);
    if (!text) return;
    if (!this.markdown) {
      this.line(text);
      return;
    }
    this.items.push({ text: '```', fence: true });
    for (const line of text.replaceAll('```', '``\u200b`').split('\n')) this.items.push({ text: line });
    this.items.push({ text: '```', fence: true });
  }

  bold(text: string): string {
    return this.markdown ? `${this.dialect.bold}${text}${this.dialect.bold}` : text;
  }

  italic(text: string): string {
    return this.markdown ? `${this.dialect.italic}${text}${this.dialect.italic}` : text;
  }

  inlineCode(text: string): string {
    if (!this.markdown) return text;
    return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
  }

  command(command: string): string {
    const name = this.options.botName;
    const text = name
      ? command.replaceAll(botNamePlaceholder, name)
      : command.replaceAll(`${botNamePlaceholder} `, '').replaceAll(botNamePlaceholder, '');
    return text.trim();
  }

  section(section: Section): void {
    if (section.header) this.line(this.markdown ? this.bold(section.header) : `== ${section.header} ==`);
    this.text(section.description);
    this.text(section.body?.plaintext);
    this.code(section.body?.codeBlock);
    for (const field of section.textFields ?? []) this.line(`• ${this.bold(`${field.key}:`)} ${field.value}`);
    for (const list of section.bulletLists ?? []) {
      if (list.title) this.line(this.bold(list.title));
      for (const item of list.items ?? []) this.line(`• ${item}`);
    }
    for (const button of section.buttons ?? []) this.button(button);
    for (const select of section.selects?.items ?? []) {
      const options = (select.optionGroups ?? []).flatMap((g) => g.options ?? []);
      this.choice(select.name, 'one of', options, select.command);
    }
    if (section.multiSelect) {
      const m = section.multiSelect;
      this.text(m.description?.plaintext);
      this.choice(m.name, 'any of', m.options ?? [], m.command, ' <value,value…>');
    }
    this.inputs(section.plaintextInputs);
    for (const item of section.context ?? []) if (item.text) this.line(this.italic(item.text));
  }

  private button(button: Button): void {
    if (button.url && !button.command) {
      const link =
        !this.markdown || this.dialect.link === 'bare'
          ? `${button.name}: ${button.url}`
          : this.dialect.link === 'slack'
            ? `<${button.url}|${button.name}>`
            : `[${button.name}](${button.url})`;
      this.line(this.markdown ? `• ${link}` : `[${button.name}] ${button.url}`);
      return;
    }
    const command = button.command ? this.command(button.command) : '';
    const bare = button.command ? button.command.replace(`${botNamePlaceholder} `, '').trim() : '';
    const description = button.description && button.description.trim() !== bare ? this.styled(button) : '';
    const hint = command ? this.inlineCode(command) : '';
    if (this.markdown) {
      this.line(
        `• ${this.bold(button.name)}${description ? `: ${description}` : ''}${hint ? ` — ${hint}` : ''}`,
      );
    } else {
      this.line(`[${button.name}]${description ? ` ${description}` : ''}${hint ? ` → ${hint}` : ''}`);
    }
  }

  private styled(button: Button): string {
    const text = button.description ?? '';
    switch (button.descriptionStyle) {
      case 'bold':
        return this.bold(text);
      case 'italic':
        return this.italic(text);
      case 'text':
        return text;
      default:
        return this.inlineCode(text);
    }
  }

  private choice(
    name: string | undefined,
    how: string,
    options: { name: string; value: string }[],
    command: string | undefined,
    suffix = ' <value>',
  ): void {
    if (options.length === 0 && !command) return;
    const shown = options.slice(0, maxOptionsShown).map((o) => o.name || o.value);
    const more = options.length > maxOptionsShown ? `, … (${options.length - maxOptionsShown} more)` : '';
    const list = shown.length > 0 ? `${how} ${shown.join(', ')}${more}` : '';
    const hint = command ? this.inlineCode(`${this.command(command)}${suffix}`) : '';
    const body = [list, hint].filter(Boolean).join(this.markdown ? ' — ' : ' → ');
    if (this.markdown) this.line(`• ${name ? `${this.bold(name)}: ` : ''}${body}`);
    else this.line(`${name ? `[${name}] ` : ''}${body}`);
  }

  inputs(inputs: Message['plaintextInputs']): void {
    for (const input of inputs ?? []) {
      if (!input.command) continue;
      const label = input.text || 'Input';
      const value = input.placeholder ? `<${input.placeholder}>` : '<value>';
      const hint = this.inlineCode(`${this.command(input.command)} ${value}`);
      this.line(this.markdown ? `• ${this.bold(label)}: ${hint}` : `[${label}] → ${hint}`);
    }
  }
}

function trimFinalNewline(value: string | undefined): string {
  return value ? value.replace(/\n$/, '') : '';
}
