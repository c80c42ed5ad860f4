/**
 * Writes the message model ({@link Message}) as the exact JSON Go's encoding/json writes for
 * Botkube's `api.Message`, so Botkube hosts read Switchboard plugins' output byte for byte.
 */

import type {
  Body,
  Button,
  LabelInput,
  Message,
  MultiSelect,
  OptionItem,
  Section,
  Selects,
} from './message.js';

/**
 * The wire form of "no timestamp": Go's zero `time.Time`. Shared with the reader.
 * @internal
 */
export const goZeroTime = '0001-01-01T00:00:00Z';

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
 * Throws a RangeError for anything Go could not read back. Shared with the reader; not
 * part of the public API.
 * @internal
 */
export function goTimestamp(timestamp: Date | string | undefined): string {
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
