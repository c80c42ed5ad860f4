import type { Message, Section } from '../contract/message.js';

/** Text fields shown per event in a digest line; the rest are left to the attached file. */
const fieldsShown = 3;

/**
 * One line that stands for an event in a digest: its title (the first section header, else
 * the first line of its text), the first line of its description or body when that adds
 * something, and its first text fields as `key: value`. Whitespace runs become one space and
 * the line is cut at `maxChars` with an ellipsis. Never empty.
 */
export function summarizeEvent(message: Message, maxChars: number, fieldLimit = fieldsShown): string {
  const sections = message.sections ?? [];
  const headed = sections.find((s) => nonEmpty(s.header));
  const title =
    firstLine(headed?.header) ||
    firstLine(message.baseBody.plaintext) ||
    firstLine(message.baseBody.codeBlock) ||
    sections.map(sectionText).find((t) => t !== '') ||
    '(event without text)';
  const parts = [title];
  const detail = headed
    ? sectionText({ ...headed, header: '' }) ||
      firstLine(message.baseBody.plaintext) ||
      firstLine(message.baseBody.codeBlock)
    : '';
  if (detail && detail !== title) parts.push(detail);
  const fields = sections
    .flatMap((s) => s.textFields ?? [])
    .filter((f) => nonEmpty(f.key) || nonEmpty(f.value))
    .slice(0, fieldLimit)
    .map((f) => `${squash(f.key)}: ${squash(f.value)}`);
  if (fields.length > 0) parts.push(fields.join(', '));
  return cut(parts.join(' — '), maxChars);
}

/** Cuts `text` to at most `maxChars` UTF-16 units, ending in `…` when cut (never inside a surrogate pair). */
export function cut(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  if (maxChars <= 1) return '…'.slice(0, Math.max(0, maxChars));
  let end = maxChars - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end).trimEnd()}…`;
}

function sectionText(section: Section): string {
  return (
    firstLine(section.header) ||
    firstLine(section.description) ||
    firstLine(section.body?.plaintext) ||
    firstLine(section.body?.codeBlock) ||
    firstLine(section.bulletLists?.[0]?.title) ||
    firstLine(section.bulletLists?.[0]?.items?.[0]) ||
    firstLine(section.context?.[0]?.text)
  );
}

function firstLine(text: string | undefined): string {
  if (!text) return '';
  for (const line of text.split('\n')) {
    const squashed = squash(line);
    if (squashed !== '') return squashed;
  }
  return '';
}

function squash(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim();
}

function nonEmpty(text: string | undefined): boolean {
  return squash(text) !== '';
}
