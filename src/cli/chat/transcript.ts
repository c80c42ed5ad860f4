/**
 * How `switchboard chat` prints console traffic: one header line per message (time, channel,
 * author) and the message as plain text (core/render-text), indented. Pure, apart from the
 * local time zone used for times.
 */

import type { Message } from '../../contract/message.js';
import type { ConsoleMessage } from '../../core/console-protocol.js';
import { renderMessageText } from '../../core/render-text.js';

export interface TranscriptStyle {
  /** ANSI colours (a terminal). */
  color: boolean;
  /** The console's http(s) base URL, to print download links in full. */
  baseUrl: string;
}

const ansi = {
  dim: (s: string) => `\u001b[2m${s}\u001b[22m`,
  bold: (s: string) => `\u001b[1m${s}\u001b[22m`,
  cyan: (s: string) => `\u001b[36m${s}\u001b[39m`,
  yellow: (s: string) => `\u001b[33m${s}\u001b[39m`,
  red: (s: string) => `\u001b[31m${s}\u001b[39m`,
};
const plain = { dim: id, bold: id, cyan: id, yellow: id, red: id };

function id(s: string): string {
  return s;
}

/** The text of one message: a header line, then the body indented by four blanks. */
export function formatEntry(entry: ConsoleMessage, style: TranscriptStyle, updated = false): string {
  const c = style.color ? ansi : plain;
  const time = c.dim(clock(entry.editedAt && updated ? entry.editedAt : entry.postedAt));
  const channel = c.cyan(`#${entry.channel}`);
  if (entry.kind === 'user') {
    const how = entry.origin && entry.origin !== 'typed' ? c.dim(` (${entry.origin})`) : '';
    return `${time} ${channel} ${c.bold(entry.user ?? 'someone')}${how} › ${entry.text ?? ''}`;
  }
  const state = [...(updated ? ['updated'] : []), ...(entry.streaming ? ['running…'] : [])];
  const lines = [
    `${time} ${channel} ${c.bold('Switchboard')}${state.length ? c.dim(` (${state.join(', ')})`) : ''}:`,
  ];
  const text = entry.message
    ? renderMessageText(entry.message as Message, { format: 'plain', showTimestamp: true }).full
    : '';
  for (const line of text.split('\n')) lines.push(line === '' ? '' : `    ${line}`);
  for (const file of entry.files ?? []) {
    lines.push(`    ⤓ ${file.name} (${formatSize(file.size)}): ${new URL(file.url, style.baseUrl).href}`);
  }
  if (entry.notice) lines.push(`    ${c.yellow(`! ${entry.notice}`)}`);
  while (lines.length > 1 && lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

/** A refusal or problem the console reported. */
export function formatError(text: string, style: TranscriptStyle): string {
  return (style.color ? ansi : plain).red(`! ${text}`);
}

/** A summary of the agent's status document, as the side panel of the page shows it. */
export function formatStatus(status: unknown): string {
  if (typeof status !== 'object' || status === null) return 'no status received yet';
  const s = status as Record<string, unknown>;
  const rows = (key: string) => (Array.isArray(s[key]) ? (s[key] as Record<string, unknown>[]) : []);
  const lines = [`agent: ${s.ready ? 'ready' : 'not ready'}`];
  const table = (
    title: string,
    items: Record<string, unknown>[],
    cells: (r: Record<string, unknown>) => string,
  ) => {
    lines.push(`${title} (${items.length}):`);
    for (const r of items) lines.push(`  ${cells(r)}`);
  };
  const extra = (v: unknown, label: string) => (v === undefined || v === '' ? '' : `, ${label} ${String(v)}`);
  table(
    'plugins',
    rows('plugins'),
    (r) => `${r.name} ${r.state}, ${r.restarts ?? 0} restarts${extra(r.lastError, 'last error:')}`,
  );
  table('platforms', rows('platforms'), (r) => `${r.id} ${r.state}${extra(r.lastError, 'last error:')}`);
  table(
    'sources',
    rows('sources'),
    (r) => `${r.group} ${r.plugin} ${r.state}${extra(r.lastReason, 'last reason:')}`,
  );
  if (Array.isArray(s.queues)) {
    table('queues', rows('queues'), (r) => `${r.destinationId} #${r.channelId}: ${r.pending} pending`);
  }
  return lines.join('\n');
}

function clock(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
