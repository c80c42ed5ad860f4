/**
 * Reads the message model ({@link Message}) from JSON written by any plugin, Go or TypeScript,
 * as leniently as Go's encoding/json decoder.
 */

import type {
  Body,
  BulletList,
  Button,
  ButtonDescriptionStyle,
  ButtonStyle,
  DispatchedInputAction,
  DividerStyle,
  LabelInput,
  Message,
  MessageType,
  MultiSelect,
  OptionItem,
  Section,
  Select,
  Selects,
  SelectType,
} from './message.js';
import { goTimestamp, goZeroTime } from './message-go-json.js';

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
