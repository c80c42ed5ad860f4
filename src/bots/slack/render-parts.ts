/**
 * Packing rendered blocks into Slack messages: at most 50 blocks and 12,000 characters of
 * block text each, no message starting or ending with a divider, and a fallback `text` that
 * summarises each message for notifications and screen readers.
 */
import { md, type SlackBlock, type SlackPayload } from './blocks.js';
import { blockTextLength, slackLimits as L } from './limits.js';
import { clipEscaped, escapeAll } from './mrkdwn.js';

/** Longest fallback text: a notification line, not a copy of the message. */
const fallbackLength = 300;

/** Splits `blocks` into messages within Slack's per-message limits. */
export function packBlocks(blocks: readonly SlackBlock[]): SlackPayload[] {
  const parts: SlackBlock[][] = [];
  let current: SlackBlock[] = [];
  let size = 0;
  const flush = () => {
    while (current.at(-1)?.type === 'divider') current.pop();
    if (current.length > 0) parts.push(current);
    current = [];
    size = 0;
  };
  for (const block of blocks) {
    if (block.type === 'divider' && current.length === 0) continue;
    const length = blockTextLength([block]);
    if (current.length === L.blocksPerMessage || size + length > L.blockTextPerMessage) flush();
    if (block.type === 'divider' && current.length === 0) continue;
    current.push(block);
    size += length;
  }
  flush();
  return parts.map((p) => ({ text: fallbackText(p), blocks: p }));
}

/**
 * Adds a context line at the end of a message (e.g. "continued in the attached file"),
 * replacing the last block when the message is already full.
 */
export function withNotice(part: SlackPayload, notice: string): SlackPayload {
  const blocks = [...part.blocks];
  const note: SlackBlock = { type: 'context', elements: [md(notice)] };
  while (
    blocks.length > 0 &&
    (blocks.length >= L.blocksPerMessage || blockTextLength([...blocks, note]) > L.blockTextPerMessage)
  ) {
    blocks.pop();
  }
  blocks.push(note);
  return { text: part.text, blocks };
}

/**
 * The first readable line of a message: a header, section text or field, context, else the
 * labels of its buttons. Code fences are skipped, mrkdwn is kept (the fallback is mrkdwn too).
 */
export function fallbackText(blocks: readonly SlackBlock[]): string {
  for (const block of blocks) {
    const candidates: string[] = [];
    if (block.type === 'header') candidates.push(escapeAll(block.text.text));
    if (block.type === 'section') {
      if (block.text) candidates.push(block.text.text);
      for (const f of block.fields ?? []) candidates.push(f.text);
    }
    if (block.type === 'context') for (const e of block.elements) candidates.push(e.text);
    for (const text of candidates) {
      const line = text
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l !== '' && l !== '```');
      if (line) return clipEscaped(line.replaceAll('```', ''), fallbackLength) || 'Message';
    }
  }
  const labels = blocks.flatMap((b) =>
    b.type === 'actions'
      ? b.elements.map((e) => (e.type === 'button' ? e.text.text : e.placeholder.text))
      : [],
  );
  return labels.length > 0 ? clipEscaped(escapeAll(labels.join(' · ')), fallbackLength) : 'Message';
}
