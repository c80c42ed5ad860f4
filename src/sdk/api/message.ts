/**
 * The chat message model shared with Botkube plugins (`pkg/api/message.go`): what an executor
 * returns and what a source event carries. Keys are the camelCase JSON keys Go writes.
 * {@link toGoJson}/{@link encodeMessage} write the exact JSON shape Go's encoding/json would,
 * so Botkube hosts read Switchboard plugins; {@link parseMessage} reads any plugin's JSON.
 */

/**
 * How a host should treat the message. `''` is the default; values outside this union found
 * while parsing are dropped, so renderers fall back to the default.
 * - `baseBodyWithFilter`: only `baseBody` is used, and the `--filter` flag applies to it.
 * - `nonInteractiveEventSingleSection`: exactly one section; fits Discord embeds etc.
 * - `form`: shown as a modal where the platform has one (Slack).
 * - `threadMessage`: post in a thread. `skipMessage`: send nothing.
 * - `basicCardWithButtonsInSeparateMessage`: Teams card whose buttons come separately.
 */
export type MessageType =
  | ''
  | 'baseBodyWithFilter'
  | 'nonInteractiveEventSingleSection'
  | 'form'
  | 'threadMessage'
  | 'skipMessage'
  | 'basicCardWithButtonsInSeparateMessage';

/** Button colour: default, primary (green/blue) or danger (red). */
export type ButtonStyle = '' | 'primary' | 'danger';

/** How a button's description is rendered; `''` means the host default (code). */
export type ButtonDescriptionStyle = '' | 'bold' | 'italic' | 'text' | 'code';

/** `none` suppresses the divider hosts draw after a section. */
export type DividerStyle = '' | 'none';

/** `static` selects list their options; `external` selects load them from the host. */
export type SelectType = 'static' | 'external';

/** When an input sends its value: on Enter, on each character, or only with the form (`''`). */
export type DispatchedInputAction = '' | 'on_enter_pressed' | 'on_character_entered';

/** Text content; either member may be absent. `codeBlock` is rendered preformatted. */
export interface Body {
  codeBlock?: string;
  plaintext?: string;
}

/** One chat message, as produced by a plugin. Only `baseBody` is required. */
export interface Message {
  type?: MessageType;
  baseBody: Body;
  /**
   * When the reported thing happened. A Date, or an RFC 3339 string. Absent means "no
   * timestamp" (Go's zero time on the wire). {@link parseMessage} returns the string form.
   */
  timestamp?: Date | string;
  sections?: Section[];
  plaintextInputs?: LabelInput[];
  /** Show only to the requesting user (Slack ephemeral message). */
  onlyVisibleForYou?: boolean;
  /** Replace the message the interaction came from instead of posting a new one. */
  replaceOriginal?: boolean;
  /** Post to this user rather than to the channel. */
  userHandle?: string;
  /** Reply in this thread (the platform's message or activity id). */
  parentActivityId?: string;
}

/** A block of a message. Go flattens `header`, `description` and `body` (its `Base`) into it. */
export interface Section {
  header?: string;
  description?: string;
  body?: Body;
  style?: SectionStyle;
  buttons?: Button[];
  multiSelect?: MultiSelect;
  selects?: Selects;
  plaintextInputs?: LabelInput[];
  textFields?: TextField[];
  bulletLists?: BulletList[];
  context?: ContextItem[];
}

/** Presentation hints for a section. */
export interface SectionStyle {
  divider?: DividerStyle;
}

/**
 * An interactive button: `command` is executed when clicked, or `url` is opened. Commands
 * usually start with {@link botNamePlaceholder}; use {@link commandButton} to get that right.
 */
export interface Button {
  name: string;
  command?: string;
  url?: string;
  description?: string;
  descriptionStyle?: ButtonDescriptionStyle;
  style?: ButtonStyle;
}

/** A multi-choice dropdown; on change, `command` runs with the chosen values. */
export interface MultiSelect {
  name?: string;
  description?: Body;
  command?: string;
  options?: OptionItem[];
  /** Pre-selected options; must be a subset of `options`. */
  initialOptions?: OptionItem[];
}

/** A row of single-choice dropdowns; `id` identifies the block when a host updates it. */
export interface Selects {
  id?: string;
  items?: Select[];
}

/** A single-choice dropdown whose options come in named groups. */
export interface Select {
  type?: SelectType;
  name?: string;
  command?: string;
  optionGroups?: OptionGroup[];
  /** Pre-selected option; must be one of the groups' options. */
  initialOption?: OptionItem;
}

/** One choice: `name` is shown, `value` is appended to the command. */
export interface OptionItem {
  name: string;
  value: string;
}

/** A titled group of options within a {@link Select}. */
export interface OptionGroup {
  name: string;
  options: OptionItem[];
}

/** A labelled free-text input; its text is appended to `command`. */
export interface LabelInput {
  command?: string;
  text?: string;
  placeholder?: string;
  dispatchedAction?: DispatchedInputAction;
}

/** A key/value pair rendered in a fields grid. */
export interface TextField {
  key: string;
  value: string;
}

/** A bullet list with an optional title. */
export interface BulletList {
  title?: string;
  items: string[];
}

/** A line of small secondary text under a section. */
export interface ContextItem {
  text: string;
}

/**
 * Replaced by each bot with its own mention (for example `@Switchboard`) before a command
 * from a button, select or input is executed, so one message works on every platform.
 */
export const botNamePlaceholder = '{{BotName}}';

/** The wire form of "no timestamp": Go's zero `time.Time`. */
const goZeroTime = '0001-01-01T00:00:00Z';

/** Options for {@link codeBlockMessage} and {@link plaintextMessage}. */
export interface BodyMessageOptions {
  /** Let users narrow the text with `--filter`; sets type `baseBodyWithFilter`. */
  allowFilter?: boolean;
}

/** A message whose only content is `text`, shown preformatted (typical for command output). */
export function codeBlockMessage(text: string, options: BodyMessageOptions = {}): Message {
  return bodyMessage({ codeBlock: text }, options);
}

/** A message whose only content is `text`, shown as ordinary text. */
export function plaintextMessage(text: string, options: BodyMessageOptions = {}): Message {
  return bodyMessage({ plaintext: text }, options);
}

function bodyMessage(baseBody: Body, options: BodyMessageOptions): Message {
  return options.allowFilter ? { type: 'baseBodyWithFilter', baseBody } : { baseBody };
}

/** Options for {@link commandButton}. */
export interface CommandButtonOptions {
  style?: ButtonStyle;
  /** Shown next to the button, as given. */
  description?: string;
  /** Defaults to `code` when a description is given, like Botkube's builder. */
  descriptionStyle?: ButtonDescriptionStyle;
}

/**
 * A button that runs `command` (without the bot mention, e.g. `kubectl get pods`) when
 * clicked. The command is prefixed with `{{BotName}} `, as Botkube's `ButtonBuilder` does,
 * because hosts dispatch button commands like typed messages addressed to the bot.
 */
export function commandButton(name: string, command: string, options: CommandButtonOptions = {}): Button {
  const button: Button = { name, command: `${botNamePlaceholder} ${command}` };
  if (options.description) {
    button.description = options.description;
    button.descriptionStyle = options.descriptionStyle ?? 'code';
  } else if (options.descriptionStyle) {
    button.descriptionStyle = options.descriptionStyle;
  }
  if (options.style) {
    button.style = options.style;
  }
  return button;
}

/** A link button that opens `url`. */
export function urlButton(name: string, url: string, style?: ButtonStyle): Button {
  return style ? { name, url, style } : { name, url };
}

/**
 * The JSON value Go's encoding/json writes for Botkube's `api.Message` holding the same data,
 * with keys in Go's field order. Go semantics reproduced here:
 * - `baseBody` and `timestamp` are always present (`omitempty` never omits a struct);
 *   a missing timestamp is written as Go's zero time `0001-01-01T00:00:00Z`.
 * - In each section `body`, `style`, `multiSelect` and `selects` are structs and so always
 *   present. Their zero shapes follow from their fields' `omitempty` tags: `body: {}`,
 *   `style: {divider: ''}`, `multiSelect: {description: {}}` (its `description` is a
 *   nested `Body` struct) and `selects: {}`.
 * - Buttons always carry `descriptionStyle` (the one field without `omitempty`).
 * - Everything else is left out when empty, false or zero.
 * Throws a RangeError for an invalid Date or a timestamp string that is not RFC 3339.
 */
export function toGoJson(message: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  putString(out, 'type', message.type);
  out.baseBody = goBody(message.baseBody);
  out.timestamp = goTimestamp(message.timestamp);
  putList(out, 'sections', message.sections, goSection);
  putList(out, 'plaintextInputs', message.plaintextInputs, goLabelInput);
  putTrue(out, 'onlyVisibleForYou', message.onlyVisibleForYou);
  putTrue(out, 'replaceOriginal', message.replaceOriginal);
  putString(out, 'userHandle', message.userHandle);
  putString(out, 'parentActivityId', message.parentActivityId);
  return out;
}

/** UTF-8 bytes of {@link toGoJson}'s JSON, escaped as Go escapes it (see {@link goJsonStringify}). */
export function encodeMessage(message: Message): Uint8Array {
  return new TextEncoder().encode(goJsonStringify(toGoJson(message)));
}

/**
 * JSON.stringify plus the escaping Go's `json.Marshal` applies by default: `<`, `>`, `&`,
 * U+2028 and U+2029 become `\u00XX` escapes. The JSON value is unchanged; the bytes then
 * match what a Go plugin sends, which keeps golden files and byte comparisons honest.
 */
export function goJsonStringify(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function goBody(body: Body | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  putString(out, 'codeBlock', body?.codeBlock);
  putString(out, 'plaintext', body?.plaintext);
  return out;
}

function goSection(section: Section): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  putString(out, 'header', section.header);
  putString(out, 'description', section.description);
  out.body = goBody(section.body);
  out.style = { divider: section.style?.divider ?? '' };
  putList(out, 'buttons', section.buttons, goButton);
  out.multiSelect = goMultiSelect(section.multiSelect);
  out.selects = goSelects(section.selects);
  putList(out, 'plaintextInputs', section.plaintextInputs, goLabelInput);
  putList(out, 'textFields', section.textFields, (field) => pick({ key: field.key, value: field.value }));
  putList(out, 'bulletLists', section.bulletLists, (list) => {
    const entry = pick({ title: list.title });
    putList(entry, 'items', list.items, (item) => item);
    return entry;
  });
  putList(out, 'context', section.context, (item) => pick({ text: item.text }));
  return out;
}

function goButton(button: Button): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  putString(out, 'description', button.description);
  out.descriptionStyle = button.descriptionStyle ?? '';
  putString(out, 'name', button.name);
  putString(out, 'command', button.command);
  putString(out, 'url', button.url);
  putString(out, 'style', button.style);
  return out;
}

function goMultiSelect(multiSelect: MultiSelect | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  putString(out, 'name', multiSelect?.name);
  out.description = goBody(multiSelect?.description);
  putString(out, 'command', multiSelect?.command);
  putList(out, 'options', multiSelect?.options, goOption);
  putList(out, 'initialOptions', multiSelect?.initialOptions, goOption);
  return out;
}

function goSelects(selects: Selects | undefined): Record<string, unknown> {
  const out = pick({ id: selects?.id });
  putList(out, 'items', selects?.items, (select) => {
    const item = pick({ type: select.type, name: select.name, command: select.command });
    putList(item, 'optionGroups', select.optionGroups, (group) => {
      const entry = pick({ name: group.name });
      putList(entry, 'options', group.options, goOption);
      return entry;
    });
    if (select.initialOption) {
      item.initialOption = goOption(select.initialOption);
    }
    return item;
  });
  return out;
}

function goLabelInput(input: LabelInput): Record<string, unknown> {
  return pick({
    command: input.command,
    text: input.text,
    placeholder: input.placeholder,
    dispatchedAction: input.dispatchedAction,
  });
}

function goOption(option: OptionItem): Record<string, unknown> {
  return pick({ name: option.name, value: option.value });
}

/** Copies the non-empty string members, in order (Go `omitempty` on strings). */
function pick(fields: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    putString(out, key, value);
  }
  return out;
}

function putString(out: Record<string, unknown>, key: string, value: string | undefined): void {
  if (value) {
    out[key] = value;
  }
}

function putTrue(out: Record<string, unknown>, key: string, value: boolean | undefined): void {
  if (value) {
    out[key] = true;
  }
}

function putList<T>(
  out: Record<string, unknown>,
  key: string,
  list: readonly T[] | undefined,
  convert: (item: T) => unknown,
): void {
  if (list && list.length > 0) {
    out[key] = list.map(convert);
  }
}

const rfc3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Go's `time.Time` JSON: RFC 3339 with nanoseconds, trailing fraction zeros trimmed, and
 * `Z` for a zero offset. Strings are normalised to what Go would re-emit after parsing.
 */
function goTimestamp(timestamp: Date | string | undefined): string {
  if (timestamp === undefined) {
    return goZeroTime;
  }
  let text: string;
  if (timestamp instanceof Date) {
    const year = timestamp.getUTCFullYear();
    if (Number.isNaN(timestamp.getTime()) || year < 0 || year > 9999) {
      throw new RangeError(`message timestamp is not a representable date: ${String(timestamp)}`);
    }
    text = timestamp.toISOString();
  } else {
    text = timestamp;
  }
  const match = rfc3339.exec(text);
  const [, date, time, fraction = '', offset = 'Z'] = match ?? [];
  const trimmed = fraction.slice(0, 9).replace(/0+$/, '');
  const zone = /^(?:[Zz]|[+-]00:00)$/.test(offset) ? 'Z' : offset;
  const normalised = `${date}T${time}${trimmed ? `.${trimmed}` : ''}${zone}`;
  // The pattern checks the shape only; Go also rejects out-of-range fields (Feb 30, 24:00).
  if (!match || !fieldsInRange(normalised)) {
    throw new RangeError(`message timestamp is not RFC 3339: ${JSON.stringify(text)}`);
  }
  return normalised;
}

function fieldsInRange(timestamp: string): boolean {
  const [year, month, day, hour, minute, second] = (timestamp.match(/\d+/g) ?? []).map(Number);
  if (year === undefined || month === undefined || day === undefined) {
    return false;
  }
  const daysInMonth =
    new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(timestamp);
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    (hour ?? 0) < 24 &&
    (minute ?? 0) < 60 &&
    (second ?? 0) < 60 &&
    (!offset || (Number(offset[2]) < 24 && Number(offset[3]) < 60))
  );
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Thrown by {@link parseMessage} (and the event parser) when the input is not JSON or not a
 * JSON object. `snippet` holds the start of the offending input for logs.
 */
export class MessageFormatError extends Error {
  override readonly name = 'MessageFormatError';
  readonly snippet: string;

  constructor(problem: string, input: string, options?: { cause?: unknown }) {
    const snippet = input.length > 80 ? `${input.slice(0, 80)}…` : input;
    super(`${problem} (input: ${JSON.stringify(snippet)})`, options);
    this.snippet = snippet;
  }
}

/**
 * Reads an `api.Message` from JSON bytes or text written by any plugin (Go or TypeScript).
 * Lenient like Go's decoder and more: keys match case-insensitively (the last duplicate
 * wins), unknown keys and wrongly typed values are ignored, the zero timestamp becomes
 * `undefined`, and values outside the string unions are dropped. The result is minimal:
 * empty strings, false flags, empty lists and the always-emitted empty structs are left
 * out, so `parseMessage(encodeMessage(m))` equals a minimal `m`. Timestamps come back as
 * the Go-normalised RFC 3339 string. Throws {@link MessageFormatError} when the input is not
 * JSON or its top level is not an object.
 */
export function parseMessage(input: Uint8Array | string): Message {
  return readMessage(parseJsonObject(input, 'api.Message'));
}

/**
 * Decodes UTF-8 bytes or text as JSON whose top level must be an object; `what` names the
 * payload in the error. Throws {@link MessageFormatError} otherwise. Shared with the event
 * parser; not meant for plugin authors.
 * @internal
 */
export function parseJsonObject(input: Uint8Array | string, what: string): Record<string, unknown> {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MessageFormatError(`${what} is not valid JSON: ${(error as Error).message}`, text, {
      cause: error,
    });
  }
  if (!isObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    throw new MessageFormatError(`${what} JSON must be an object, got ${kind}`, text);
  }
  return value;
}

/**
 * {@link parseMessage}'s rules for a value already decoded from JSON, such as a message
 * nested in another payload (`source.Event`). Never throws: a non-object value gives an
 * empty message, as Go leaves the struct at its zero value.
 */
export function readMessage(value: unknown): Message {
  const json = fold(value);
  const message: Message = { baseBody: readBody(json.basebody) ?? {} };
  const type = oneOf(json.type, messageTypes);
  if (type) {
    message.type = type;
  }
  const timestamp = readTimestamp(json.timestamp);
  if (timestamp) {
    message.timestamp = timestamp;
  }
  setList(message, 'sections', json.sections, readSection);
  setList(message, 'plaintextInputs', json.plaintextinputs, readLabelInput);
  if (json.onlyvisibleforyou === true) {
    message.onlyVisibleForYou = true;
  }
  if (json.replaceoriginal === true) {
    message.replaceOriginal = true;
  }
  setString(message, 'userHandle', json.userhandle);
  setString(message, 'parentActivityId', json.parentactivityid);
  return message;
}

const messageTypes: readonly MessageType[] = [
  'baseBodyWithFilter',
  'nonInteractiveEventSingleSection',
  'form',
  'threadMessage',
  'skipMessage',
  'basicCardWithButtonsInSeparateMessage',
];
const buttonStyles: readonly ButtonStyle[] = ['primary', 'danger'];
const descriptionStyles: readonly ButtonDescriptionStyle[] = ['bold', 'italic', 'text', 'code'];
const dividerStyles: readonly DividerStyle[] = ['none'];
const selectTypes: readonly SelectType[] = ['static', 'external'];
const dispatchedActions: readonly DispatchedInputAction[] = ['on_enter_pressed', 'on_character_entered'];

function readSection(value: unknown): Section | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const json = fold(value);
  const section: Section = {};
  setString(section, 'header', json.header);
  setString(section, 'description', json.description);
  setDefined(section, 'body', readBody(json.body));
  const divider = oneOf(fold(json.style).divider, dividerStyles);
  if (divider) {
    section.style = { divider };
  }
  setList(section, 'buttons', json.buttons, readButton);
  setDefined(section, 'multiSelect', readMultiSelect(json.multiselect));
  setDefined(section, 'selects', readSelects(json.selects));
  setList(section, 'plaintextInputs', json.plaintextinputs, readLabelInput);
  setList(section, 'textFields', json.textfields, (item) =>
    isObject(item) ? { key: text(fold(item).key), value: text(fold(item).value) } : undefined,
  );
  setList(section, 'bulletLists', json.bulletlists, (item) => {
    if (!isObject(item)) {
      return undefined;
    }
    const list = fold(item);
    const bullets: BulletList = {
      items: Array.isArray(list.items) ? list.items.filter((entry) => typeof entry === 'string') : [],
    };
    setString(bullets, 'title', list.title);
    return bullets;
  });
  setList(section, 'context', json.context, (item) =>
    isObject(item) ? { text: text(fold(item).text) } : undefined,
  );
  return section;
}

function readBody(value: unknown): Body | undefined {
  const json = fold(value);
  const body: Body = {};
  setString(body, 'codeBlock', json.codeblock);
  setString(body, 'plaintext', json.plaintext);
  return orUndefined(body);
}

function readButton(value: unknown): Button | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const json = fold(value);
  const button: Button = { name: text(json.name) };
  setString(button, 'command', json.command);
  setString(button, 'url', json.url);
  setString(button, 'description', json.description);
  setDefined(button, 'descriptionStyle', oneOf(json.descriptionstyle, descriptionStyles));
  setDefined(button, 'style', oneOf(json.style, buttonStyles));
  return button;
}

function readMultiSelect(value: unknown): MultiSelect | undefined {
  const json = fold(value);
  const multiSelect: MultiSelect = {};
  setString(multiSelect, 'name', json.name);
  setDefined(multiSelect, 'description', readBody(json.description));
  setString(multiSelect, 'command', json.command);
  setList(multiSelect, 'options', json.options, readOption);
  setList(multiSelect, 'initialOptions', json.initialoptions, readOption);
  return orUndefined(multiSelect);
}

function readSelects(value: unknown): Selects | undefined {
  const json = fold(value);
  const selects: Selects = {};
  setString(selects, 'id', json.id);
  setList(selects, 'items', json.items, (item) => {
    if (!isObject(item)) {
      return undefined;
    }
    const entry = fold(item);
    const select: Select = {};
    setDefined(select, 'type', oneOf(entry.type, selectTypes));
    setString(select, 'name', entry.name);
    setString(select, 'command', entry.command);
    setList(select, 'optionGroups', entry.optiongroups, (group) =>
      isObject(group)
        ? { name: text(fold(group).name), options: readList(fold(group).options, readOption) ?? [] }
        : undefined,
    );
    setDefined(select, 'initialOption', readOption(entry.initialoption));
    return select;
  });
  return orUndefined(selects);
}

function readLabelInput(value: unknown): LabelInput | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const json = fold(value);
  const input: LabelInput = {};
  setString(input, 'command', json.command);
  setString(input, 'text', json.text);
  setString(input, 'placeholder', json.placeholder);
  setDefined(input, 'dispatchedAction', oneOf(json.dispatchedaction, dispatchedActions));
  return input;
}

function readOption(value: unknown): OptionItem | undefined {
  return isObject(value) ? { name: text(fold(value).name), value: text(fold(value).value) } : undefined;
}

function readTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  let normalised: string;
  try {
    normalised = goTimestamp(value);
  } catch {
    return undefined;
  }
  return Date.parse(normalised) === goZeroTimeMs && !normalised.includes('.') ? undefined : normalised;
}

const goZeroTimeMs = Date.parse(goZeroTime);

/**
 * The members of a JSON object keyed by lower-cased name, so lookups ignore case as Go's
 * decoder does. Later duplicates win, as they overwrite earlier ones in Go too.
 */
function fold(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  if (isObject(value)) {
    for (const [key, member] of Object.entries(value)) {
      out[key.toLowerCase()] = member;
    }
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return allowed.find((candidate) => candidate === value);
}

function readList<T>(value: unknown, read: (item: unknown) => T | undefined): T[] | undefined {
  if (!Array.isArray(value)) {
    return undefined;
  }
  const items = value.map(read).filter((item): item is T => item !== undefined);
  return items.length > 0 ? items : undefined;
}

function setList<O, K extends keyof O, T>(
  target: O,
  key: K,
  value: unknown,
  read: (item: unknown) => T | undefined,
): void {
  setDefined(target, key, readList(value, read) as O[K] | undefined);
}

function setString<O, K extends keyof O>(target: O, key: K, value: unknown): void {
  if (typeof value === 'string' && value !== '') {
    target[key] = value as O[K];
  }
}

function setDefined<O, K extends keyof O>(target: O, key: K, value: O[K] | undefined): void {
  if (value !== undefined) {
    target[key] = value;
  }
}

function orUndefined<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}
