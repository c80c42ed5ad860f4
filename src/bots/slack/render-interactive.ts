/**
 * Buttons, selects and text inputs as Block Kit elements, with the command each one runs
 * encoded by {@link ActionCodec}. `{{BotName}}` in commands becomes the bot's mention, so a
 * click reads exactly like a typed command addressed to the bot.
 */
import {
  type Button,
  botNamePlaceholder,
  type LabelInput,
  type MultiSelect,
  type OptionItem,
  type Selects,
} from '../../contract/message.js';
import type { ActionCodec } from './action-codec.js';
import {
  type ActionsBlock,
  type ButtonElement,
  type InputBlock,
  md,
  type PlainText,
  type PlainTextInputElement,
  plain,
  type SectionBlock,
  type SlackBlock,
  type SlackOption,
  type StaticSelectElement,
} from './blocks.js';
import { blockTextLength, slackLimits as L } from './limits.js';
import { clip, clipEscaped, escapeCode, escapeMrkdwn } from './mrkdwn.js';

/** What interactive rendering needs from the bot. */
export interface InteractiveContext {
  codec: ActionCodec;
  /** Replaces `{{BotName}}` in commands (`<@U0BOT>`). */
  botMention: string;
  /** Replaces `{{BotName}}` in labels people read (`@switchboard`). */
  botName: string;
}

const command = (text: string, ctx: InteractiveContext) =>
  text.replaceAll(botNamePlaceholder, ctx.botMention);
const label = (text: string, ctx: InteractiveContext) => text.replaceAll(botNamePlaceholder, ctx.botName);

function buttonElement(button: Button, ctx: InteractiveContext): ButtonElement | undefined {
  const cmd = button.command ? command(button.command, ctx).trim() : '';
  const url = button.url && button.url.length <= L.buttonUrl ? button.url : '';
  if (!cmd && !url) return undefined;
  const text = clip(label(button.name || cmd || url, ctx).trim() || 'Open', L.buttonText);
  const prefix = cmd ? 'cmd' : 'url';
  const target = cmd || url;
  const element: ButtonElement = {
    type: 'button',
    text: plain(text),
    action_id: ctx.codec.actionId(`${prefix}:${target}`.slice(0, L.actionId), L.actionId, (n) =>
      `${prefix}${n}:${target}`.slice(0, L.actionId),
    ),
  };
  if (cmd) element.value = ctx.codec.encode(cmd, L.buttonValue);
  else element.url = url;
  if (button.style === 'primary' || button.style === 'danger') element.style = button.style;
  return element;
}

function describe(button: Button, ctx: InteractiveContext): string {
  const text = label(button.description ?? '', ctx);
  switch (button.descriptionStyle) {
    case 'bold':
      return `*${escapeMrkdwn(text)}*`;
    case 'italic':
      return `_${escapeMrkdwn(text)}_`;
    case 'text':
      return escapeMrkdwn(text);
    default:
      // Botkube's AdaptiveCodeBlock: inline code for one line, a fence for several.
      return text.includes('\n') ? `\`\`\`\n${escapeCode(text)}\n\`\`\`` : `\`${escapeCode(text)}\``;
  }
}

/**
 * Buttons: with a description, one section per button (description left, button right);
 * otherwise rows of up to 25 buttons. A link that is too long for a button becomes text.
 */
export function renderButtons(buttons: readonly Button[], ctx: InteractiveContext): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  const described = buttons.some((b) => b.description);
  let row: ButtonElement[] = [];
  const flush = () => {
    if (row.length > 0) blocks.push({ type: 'actions', elements: row });
    row = [];
  };
  for (const button of buttons) {
    const element = buttonElement(button, ctx);
    if (!element) {
      if (button.url) blocks.push(textSection(`${escapeMrkdwn(button.name)}: ${escapeMrkdwn(button.url)}`));
      continue;
    }
    if (described) {
      const text = button.description ? describe(button, ctx) : escapeMrkdwn(element.text.text);
      blocks.push({ type: 'section', text: md(clipEscaped(text, L.sectionText)), accessory: element });
    } else {
      row.push(element);
      if (row.length === L.actionsElements) flush();
    }
  }
  flush();
  return blocks;
}

function option(item: OptionItem, ctx: InteractiveContext): SlackOption {
  return {
    text: plain(clip(label(item.name || item.value, ctx), L.optionText) || ' '),
    value: ctx.codec.encode(item.value || item.name, L.optionValue),
  };
}

const sameOption = (a: SlackOption, b: SlackOption) => a.value === b.value && a.text.text === b.text.text;

/**
 * Option text one select may carry. Slack counts every text of a message toward its ~12,000
 * character total, so a select with 100 long options (and group labels) must stop earlier.
 */
const selectTextBudget = 7000;
/** Text of the selects sharing one actions row. */
const actionsTextBudget = 10_000;

/** Static selects in one actions row (Botkube's layout); `id` becomes the block ID. */
export function renderSelects(selects: Selects, ctx: InteractiveContext): SlackBlock[] {
  const elements: { element: StaticSelectElement; size: number }[] = [];
  for (const select of selects.items ?? []) {
    if (!select.command) continue;
    let room: number = L.options;
    let budget = selectTextBudget;
    const groups: { label: PlainText; options: SlackOption[] }[] = [];
    for (const group of select.optionGroups ?? []) {
      if (groups.length === L.optionGroups) break;
      const groupLabel = plain(clip(label(group.name, ctx), L.optionText) || ' ');
      budget -= groupLabel.text.length;
      const options: SlackOption[] = [];
      for (const item of group.options ?? []) {
        const o = option(item, ctx);
        if (room === 0 || budget < o.text.text.length) break;
        options.push(o);
        room -= 1;
        budget -= o.text.text.length;
      }
      if (options.length > 0) groups.push({ label: groupLabel, options });
    }
    if (groups.length === 0) continue;
    const element: StaticSelectElement = {
      type: 'static_select',
      action_id: ctx.codec.actionId(command(select.command, ctx).trim(), L.actionId),
      placeholder: plain(clip(label(select.name || 'Select', ctx), L.placeholder)),
      option_groups: groups,
    };
    const initial = select.initialOption ? option(select.initialOption, ctx) : undefined;
    if (initial && groups.some((g) => g.options.some((o) => sameOption(o, initial)))) {
      element.initial_option = initial;
    }
    elements.push({ element, size: blockTextLength(element) });
  }
  const blocks: ActionsBlock[] = [];
  let row: StaticSelectElement[] = [];
  let size = 0;
  const flush = () => {
    if (row.length === 0) return;
    const block: ActionsBlock = { type: 'actions', elements: row };
    if (selects.id && blocks.length === 0) block.block_id = ctx.codec.blockId(selects.id, L.blockId);
    blocks.push(block);
    row = [];
    size = 0;
  };
  for (const { element, size: n } of elements) {
    if (row.length === L.actionsElements || size + n > actionsTextBudget) flush();
    row.push(element);
    size += n;
  }
  flush();
  return blocks;
}

/** A multi-select: a section with the description and the select beside it. */
export function renderMultiSelect(multi: MultiSelect, ctx: InteractiveContext): SlackBlock[] {
  const options: SlackOption[] = [];
  let budget = selectTextBudget;
  for (const item of (multi.options ?? []).slice(0, L.options)) {
    const o = option(item, ctx);
    if (budget < o.text.text.length * 2) break; // an option may appear again as an initial option
    options.push(o);
    budget -= o.text.text.length * 2;
  }
  if (!multi.command || options.length === 0) return [];
  const description = multi.description?.codeBlock
    ? `\`\`\`\n${escapeCode(label(multi.description.codeBlock, ctx))}\n\`\`\``
    : escapeMrkdwn(label(multi.description?.plaintext || multi.name || 'Choose', ctx));
  const initial = (multi.initialOptions ?? [])
    .map((o) => option(o, ctx))
    .filter((o) => options.some((x) => sameOption(x, o)));
  const section: SectionBlock = {
    type: 'section',
    text: md(clipEscaped(description, L.sectionText)),
    accessory: {
      type: 'multi_static_select',
      action_id: ctx.codec.actionId(command(multi.command, ctx).trim(), L.actionId),
      placeholder: plain(clip(label(multi.name || 'Select', ctx), L.placeholder)),
      options,
      ...(initial.length > 0 ? { initial_options: initial } : {}),
    },
  };
  const blocks: SlackBlock[] = [section];
  const hidden = (multi.options?.length ?? 0) - options.length;
  if (hidden > 0) blocks.push({ type: 'context', elements: [md(`${hidden} more options not shown`)] });
  return blocks;
}

/**
 * A text input: its block ID carries the command, and the typed value is appended in quotes
 * when the user presses Enter (`dispatchedAction`), as Botkube does.
 */
export function renderInput(input: LabelInput, ctx: InteractiveContext): InputBlock | undefined {
  if (!input.command) return undefined;
  const cmd = command(input.command, ctx);
  const id = ctx.codec.blockId(cmd, L.blockId);
  const element: PlainTextInputElement = {
    type: 'plain_text_input',
    action_id: ctx.codec.actionId(id, L.actionId),
  };
  const block: InputBlock = {
    type: 'input',
    block_id: id,
    label: plain(clip(label(input.text || 'Input', ctx), L.inputLabel)),
    element,
  };
  if (input.placeholder) element.placeholder = plain(clip(label(input.placeholder, ctx), L.placeholder));
  if (input.dispatchedAction) {
    block.dispatch_action = true;
    element.dispatch_action_config = { trigger_actions_on: [input.dispatchedAction] };
  }
  return block;
}

function textSection(escaped: string): SectionBlock {
  return { type: 'section', text: md(clipEscaped(escaped, L.sectionText)) };
}
