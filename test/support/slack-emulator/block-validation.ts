/**
 * Slack's size and shape rules for message text and Block Kit (chat-platforms.md §1.10), with the
 * error codes and `[json-pointer:…]` messages Slack answers with. Slack itself sometimes drops bad
 * blocks silently; the emulator always rejects, so a renderer that exceeds a limit fails a test
 * instead of losing content in production.
 */

export interface MessageLimits {
  /** `text` longer than this → msg_too_long (Slack truncates at 40,000 and documents msg_too_long). */
  textLength: number;
  /** Blocks per message → invalid_blocks. */
  blocks: number;
  /**
   * Sum of all text in a message's blocks → msg_blocks_too_long. Slack does not document this
   * limit; bolt-js #2509/#2867 measured rejections from ~11,300 to ~13,300 characters depending on
   * the block mix, and Slack staff described it as 12,000 characters plus container overhead.
   */
  blocksText: number;
  /** Attachments per message → too_many_attachments. */
  attachments: number;
}

export const defaultMessageLimits: MessageLimits = {
  textLength: 40_000,
  blocks: 50,
  blocksText: 12_000,
  attachments: 100,
};

export interface BlockProblem {
  error: 'invalid_blocks' | 'msg_blocks_too_long' | 'msg_too_long' | 'too_many_attachments' | 'no_text';
  /** Slack's `errors` lines (the same lines, `[ERROR]`-prefixed, go to response_metadata.messages). */
  messages: string[];
}

type Json = Record<string, unknown>;

const KNOWN_BLOCKS = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'image',
  'rich_text',
  'markdown',
  'input',
  'file',
  'video',
  'table',
  'context_actions',
]);

const SELECTS = new Set([
  'static_select',
  'multi_static_select',
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
]);

const OTHER_ELEMENTS = new Set([
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'file_input',
  'workflow_button',
]);

/**
 * Checks a message's `text`, `blocks` and `attachments` the way chat.postMessage does; undefined
 * when the message is acceptable. `blocks` must already be JSON-decoded.
 */
export function checkMessage(
  message: { text?: string; blocks?: unknown; attachments?: unknown },
  limits: MessageLimits,
): BlockProblem | undefined {
  const hasBlocks = Array.isArray(message.blocks) && message.blocks.length > 0;
  const hasAttachments = Array.isArray(message.attachments) && message.attachments.length > 0;
  if ((message.text ?? '') === '' && !hasBlocks && !hasAttachments) return { error: 'no_text', messages: [] };
  if (message.text !== undefined && message.text.length > limits.textLength) {
    return { error: 'msg_too_long', messages: [] };
  }
  if (Array.isArray(message.attachments) && message.attachments.length > limits.attachments) {
    return { error: 'too_many_attachments', messages: [] };
  }
  if (message.blocks === undefined) return undefined;
  const messages = validateBlocks(message.blocks, limits);
  if (messages.length > 0) return { error: 'invalid_blocks', messages };
  const total = blocksTextLength(message.blocks as unknown[]);
  if (total > limits.blocksText) return { error: 'msg_blocks_too_long', messages: [] };
  return undefined;
}

/** Every rule broken by `blocks`, as Slack words them (empty when valid). */
export function validateBlocks(blocks: unknown, limits: MessageLimits): string[] {
  const v = new Walker();
  if (!Array.isArray(blocks)) {
    v.fail('/blocks', 'must provide an array');
    return v.errors;
  }
  v.maxItems(blocks, limits.blocks, '/blocks');
  const blockIds = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    const path = `/blocks/${i}`;
    if (!isObject(block)) {
      v.fail(path, 'must provide an object');
      continue;
    }
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) v.fail(`${path}/block_id`, 'duplicate block_id');
      blockIds.add(block.block_id);
    }
    v.block(block, path);
  }
  return v.errors;
}

/** Characters of every `text` string inside blocks: what Slack's cumulative limit counts. */
export function blocksTextLength(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + blocksTextLength(item), 0);
  if (!isObject(value)) return 0;
  let total = 0;
  for (const [key, item] of Object.entries(value)) {
    if (key === 'text' && typeof item === 'string') total += item.length;
    else total += blocksTextLength(item);
  }
  return total;
}

class Walker {
  readonly errors: string[] = [];

  fail(path: string, message: string): void {
    this.errors.push(`${message} [json-pointer:${path}]`);
  }

  maxItems(items: unknown[], max: number, path: string, min = 0): void {
    if (items.length > max) this.fail(path, `no more than ${max} items allowed`);
    if (items.length < min) this.fail(path, `must provide at least ${min} items`);
  }

  string(value: unknown, path: string, max: number, required = true): void {
    if (value === undefined) {
      if (required) this.fail(path, 'missing required field');
      return;
    }
    if (typeof value !== 'string') {
      this.fail(path, 'must be a string');
      return;
    }
    if (value.length > max) this.fail(path, `must be less than ${max + 1} characters`);
    if (required && value.length === 0) this.fail(path, 'must be more than 0 characters');
  }

  text(value: unknown, path: string, max: number, kind: 'any' | 'plain_text' = 'any', required = true): void {
    if (value === undefined) {
      if (required) this.fail(path, 'missing required field');
      return;
    }
    if (!isObject(value)) {
      this.fail(path, 'must provide an object');
      return;
    }
    const allowed = kind === 'plain_text' ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (!allowed.includes(String(value.type))) {
      this.fail(`${path}/type`, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
      return;
    }
    this.string(value.text, `${path}/text`, max);
  }

  block(block: Json, path: string): void {
    const type = block.type;
    if (typeof type !== 'string') {
      this.fail(`${path}/type`, 'missing required field');
      return;
    }
    if (!KNOWN_BLOCKS.has(type)) {
      this.fail(`${path}/type`, `unsupported block type: ${type}`);
      return;
    }
    this.string(block.block_id, `${path}/block_id`, 255, false);
    switch (type) {
      case 'section':
        this.section(block, path);
        return;
      case 'header':
        this.text(block.text, `${path}/text`, 150, 'plain_text');
        return;
      case 'context':
        this.context(block, path);
        return;
      case 'actions':
        this.actions(block, path);
        return;
      case 'image':
        this.string(block.image_url, `${path}/image_url`, 3000, block.slack_file === undefined);
        this.string(block.alt_text, `${path}/alt_text`, 2000);
        this.text(block.title, `${path}/title`, 2000, 'plain_text', false);
        return;
      case 'markdown':
        this.string(block.text, `${path}/text`, 12_000);
        return;
      case 'rich_text':
        if (!Array.isArray(block.elements)) this.fail(`${path}/elements`, 'missing required field');
        return;
      case 'input':
        this.text(block.label, `${path}/label`, 2000, 'plain_text');
        this.text(block.hint, `${path}/hint`, 2000, 'plain_text', false);
        if (!isObject(block.element)) {
          this.fail(`${path}/element`, 'missing required field');
          return;
        }
        this.element(block.element, `${path}/element`);
        return;
      default:
        return;
    }
  }

  section(block: Json, path: string): void {
    if (block.text === undefined && block.fields === undefined) {
      this.fail(path, 'must provide either text or fields');
      return;
    }
    this.text(block.text, `${path}/text`, 3000, 'any', false);
    if (block.fields !== undefined) {
      if (!Array.isArray(block.fields)) {
        this.fail(`${path}/fields`, 'must provide an array');
        return;
      }
      this.maxItems(block.fields, 10, `${path}/fields`, 1);
      for (const [i, field] of block.fields.entries()) this.text(field, `${path}/fields/${i}`, 2000);
    }
    if (block.accessory !== undefined) {
      if (!isObject(block.accessory)) {
        this.fail(`${path}/accessory`, 'must provide an object');
        return;
      }
      if (block.accessory.type === 'image') {
        this.imageElement(block.accessory, `${path}/accessory`);
        return;
      }
      this.element(block.accessory, `${path}/accessory`);
    }
  }

  context(block: Json, path: string): void {
    if (!Array.isArray(block.elements)) {
      this.fail(`${path}/elements`, 'missing required field');
      return;
    }
    this.maxItems(block.elements, 10, `${path}/elements`, 1);
    for (const [i, element] of block.elements.entries()) {
      const at = `${path}/elements/${i}`;
      if (isObject(element) && element.type === 'image') this.imageElement(element, at);
      else this.text(element, at, 3000);
    }
  }

  actions(block: Json, path: string): void {
    if (!Array.isArray(block.elements)) {
      this.fail(`${path}/elements`, 'missing required field');
      return;
    }
    this.maxItems(block.elements, 25, `${path}/elements`, 1);
    const actionIds = new Set<string>();
    for (const [i, element] of block.elements.entries()) {
      const at = `${path}/elements/${i}`;
      if (!isObject(element)) {
        this.fail(at, 'must provide an object');
        continue;
      }
      if (typeof element.action_id === 'string') {
        if (actionIds.has(element.action_id)) this.fail(`${at}/action_id`, 'duplicate action_id');
        actionIds.add(element.action_id);
      }
      this.element(element, at);
    }
  }

  imageElement(element: Json, path: string): void {
    this.string(element.image_url, `${path}/image_url`, 3000, element.slack_file === undefined);
    this.string(element.alt_text, `${path}/alt_text`, 2000);
  }

  element(element: Json, path: string): void {
    const type = element.type;
    if (typeof type !== 'string') {
      this.fail(`${path}/type`, 'missing required field');
      return;
    }
    if (type !== 'button' && !SELECTS.has(type) && !OTHER_ELEMENTS.has(type)) {
      this.fail(`${path}/type`, `unsupported element type: ${type}`);
      return;
    }
    this.string(element.action_id, `${path}/action_id`, 255, false);
    if (element.confirm !== undefined) this.confirm(element.confirm, `${path}/confirm`);
    if (type === 'button') {
      this.text(element.text, `${path}/text`, 75, 'plain_text');
      this.string(element.value, `${path}/value`, 2000, false);
      this.string(element.url, `${path}/url`, 3000, false);
      this.string(element.accessibility_label, `${path}/accessibility_label`, 75, false);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        this.fail(`${path}/style`, 'must be one of "primary", "danger"');
      }
      return;
    }
    this.text(element.placeholder, `${path}/placeholder`, 150, 'plain_text', false);
    if (type === 'static_select' || type === 'multi_static_select') {
      this.staticSelect(element, path);
      return;
    }
    if (type === 'overflow') this.options(element.options, `${path}/options`, 5, 1, 'plain_text');
    if (type === 'checkboxes' || type === 'radio_buttons')
      this.options(element.options, `${path}/options`, 10, 1, 'any');
    if (type === 'plain_text_input') {
      this.string(element.initial_value, `${path}/initial_value`, 3000, false);
      for (const key of ['min_length', 'max_length'] as const) {
        const n = element[key];
        if (n !== undefined && (typeof n !== 'number' || n < 0 || n > 3000)) {
          this.fail(`${path}/${key}`, 'must be a number between 0 and 3000');
        }
      }
    }
  }

  staticSelect(element: Json, path: string): void {
    const values = new Set<string>();
    if (element.options !== undefined) {
      for (const option of this.options(element.options, `${path}/options`, 100, 1, 'plain_text'))
        values.add(option);
    } else if (Array.isArray(element.option_groups)) {
      this.maxItems(element.option_groups, 100, `${path}/option_groups`, 1);
      for (const [i, group] of element.option_groups.entries()) {
        const at = `${path}/option_groups/${i}`;
        if (!isObject(group)) {
          this.fail(at, 'must provide an object');
          continue;
        }
        this.text(group.label, `${at}/label`, 75, 'plain_text');
        for (const option of this.options(group.options, `${at}/options`, 100, 1, 'plain_text'))
          values.add(option);
      }
    } else {
      this.fail(path, 'must provide either options or option_groups');
      return;
    }
    const initial = [
      ...(isObject(element.initial_option) ? [element.initial_option] : []),
      ...(Array.isArray(element.initial_options) ? element.initial_options : []),
    ];
    for (const option of initial) {
      if (!isObject(option) || !values.has(String(option.value))) {
        this.fail(`${path}/initial_option`, 'must match one of the provided options');
      }
    }
    if (element.max_selected_items !== undefined) {
      const n = element.max_selected_items;
      if (typeof n !== 'number' || n < 1) this.fail(`${path}/max_selected_items`, 'must be at least 1');
    }
  }

  /** Validates an options list and returns its values. */
  options(
    options: unknown,
    path: string,
    max: number,
    min: number,
    textKind: 'any' | 'plain_text',
  ): string[] {
    if (!Array.isArray(options)) {
      this.fail(path, 'missing required field');
      return [];
    }
    this.maxItems(options, max, path, min);
    const values: string[] = [];
    for (const [i, option] of options.entries()) {
      const at = `${path}/${i}`;
      if (!isObject(option)) {
        this.fail(at, 'must provide an object');
        continue;
      }
      this.text(option.text, `${at}/text`, 75, textKind);
      this.string(option.value, `${at}/value`, 150);
      this.text(option.description, `${at}/description`, 75, 'plain_text', false);
      if (typeof option.value === 'string') values.push(option.value);
    }
    return values;
  }

  confirm(confirm: unknown, path: string): void {
    if (!isObject(confirm)) {
      this.fail(path, 'must provide an object');
      return;
    }
    this.text(confirm.title, `${path}/title`, 100, 'plain_text');
    this.text(confirm.text, `${path}/text`, 300);
    this.text(confirm.confirm, `${path}/confirm`, 30, 'plain_text');
    this.text(confirm.deny, `${path}/deny`, 30, 'plain_text');
  }
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
