import type { Message } from '../contract/message.js';
import { renderMessageText } from '../core/render-text.js';
import { cut } from './event-summary.js';
import { type DescribedEvent, SummaryCache } from './summary-cache.js';

/** One waiting event, as the digest needs it. */
export interface DigestEvent {
  message: Message;
  sources: readonly string[];
  /** Epoch ms when the pipeline received it. */
  enqueuedAt: number;
}

/** Events whose details were dropped because the queue was full; only their count is left. */
export interface OverflowTally {
  count: number;
  /** Dropped events per source group. */
  sources: ReadonlyMap<string, number>;
  /** Epoch ms of the first dropped event not yet reported. */
  since: number;
  /** How many of `count` were dropped because the queue file reached its size cap. */
  atCap?: number;
}

export interface DigestRequest {
  /** The channel's waiting events, oldest first. */
  events: readonly DigestEvent[];
  overflow: OverflowTally;
  /** Longest rendered text the message may have. At least 100. */
  maxChars: number;
  /** The destination takes attachments: details that do not fit go into a file. */
  files: boolean;
  now: number;
  /** Summaries kept across digests and channels (see SummaryCache); a fresh one when absent. */
  summaries?: SummaryCache;
}

export interface Digest {
  message: Message;
  /** All events' details, one per line, when they did not fit in the message. */
  file?: { name: string; content: Uint8Array };
  /**
   * How many of the request's events (from the front) the digest represents; the others keep
   * waiting and go into the next digest. At least 1 when there were events.
   */
  represented: number;
  /** The overflow count it reports: always the whole count of the request. */
  overflowReported: number;
}

/** Source groups named in the header; the rest are counted. */
const sourcesNamed = 3;

/**
 * The header line of every digest: `<count> event(s) from <sources> in the last <span>`, where
 * the count is every event the message stands for (detailed, in its file, or in its overflow
 * line). Stable, so counting the events a channel received is one regular expression.
 */
export const digestHeaderPattern = /^(\d{1,3}(?:,\d{3})*) events? from (.+) in the last (.+)$/;

/** The event count of a digest message (from its header), or undefined when it is not a digest. */
export function digestEventCount(message: Message): number | undefined {
  const header = message.sections?.[0]?.header;
  const match = header ? digestHeaderPattern.exec(header) : null;
  return match ? Number((match[1] as string).replaceAll(',', '')) : undefined;
}

/**
 * Merges waiting events into one message that fits `maxChars` once rendered: a header with the
 * count, sources and time span; one line per distinct event (identical lines from the same
 * sources are folded into `N× … (first–last)`); the overflow count; and, when not every event
 * fits and the destination takes files, a note naming the attached file that holds every
 * event's details. Without files, events that do not fit stay out (`represented` says how
 * many went in) and wait for the next digest. Order is kept: represented events are a prefix.
 */
export function buildDigest(request: DigestRequest): Digest {
  if (!(request.maxChars >= 100))
    throw new RangeError(`maxChars must be at least 100, got ${request.maxChars}`);
  const summaries = request.summaries ?? new SummaryCache();
  const lines = request.events.map((event) => describe(event, summaries));
  // Grouped once for every round below: a storm's digest has thousands of lines.
  const groups = request.files ? groupsOf(lines) : undefined;
  let budget = request.maxChars;
  // The header and notes vary a little with the counts; measure the rendering and tighten.
  for (let round = 0; round < 6; round++) {
    const digest = groups ? withFile(request, groups, budget) : inline(request, lines, budget);
    const over = renderedLength(digest.message) - request.maxChars;
    if (over <= 0)
      return digest.file ? { ...digest, file: fileOf(request, lines, digest, summaries) } : digest;
    budget -= over + 20;
  }
  return minimal(request, lines);
}

/** The attached file, written once for the digest that is sent: one line per event, every field. */
function fileOf(
  request: DigestRequest,
  lines: readonly EventLine[],
  digest: Digest,
  summaries: SummaryCache,
): { name: string; content: Uint8Array } {
  const header = digest.message.sections?.[0]?.header ?? '';
  const overflow = overflowNote(request.overflow.count, request.overflow.atCap);
  const text = [header, ...(overflow ? [overflow] : []), ''];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as EventLine;
    text.push(summaries.fileLine((request.events[i] as DigestEvent).message, line.described, line.at));
  }
  text.push('');
  return { name: (digest.file as { name: string }).name, content: new TextEncoder().encode(text.join('\n')) };
}

/** What one event contributes: its line key and parts. */
interface EventLine {
  label: string;
  summary: string;
  at: number;
  key: string;
  /** The cached parts it came from (`at` may differ: an event without a time of its own). */
  described: DescribedEvent;
}

interface Group {
  label: string;
  summary: string;
  count: number;
  first: number;
  last: number;
}

function describe(event: DigestEvent, summaries: SummaryCache): EventLine {
  const described = summaries.described(event.message, event.sources);
  const { label, summary, key } = described;
  const at = Number.isFinite(described.at) ? described.at : event.enqueuedAt;
  return { label, summary, key, at, described };
}

function keyOf(line: EventLine): string {
  return line.key;
}

function groupLine(g: Group): string {
  if (g.count === 1) return `${clock(g.first)} [${g.label}] ${g.summary}`;
  return `${number(g.count)}× [${g.label}] ${g.summary} (${clock(g.first)}–${clock(g.last)})`;
}

function addTo(groups: Map<string, Group>, line: EventLine): Group {
  const key = keyOf(line);
  const found = groups.get(key);
  if (found) {
    found.count += 1;
    found.first = Math.min(found.first, line.at);
    found.last = Math.max(found.last, line.at);
    return found;
  }
  const group = { label: line.label, summary: line.summary, count: 1, first: line.at, last: line.at };
  groups.set(key, group);
  return group;
}

/** No files: as many events as fit, from the front; the rest wait. */
function inline(request: DigestRequest, lines: readonly EventLine[], budget: number): Digest {
  const all = lines.length;
  const fixed = renderedLength(compose(request, all, [], ['x'.repeat(60)]).message);
  const groups = new Map<string, Group>();
  let used = fixed;
  let represented = 0;
  for (const line of lines) {
    const known = groups.get(keyOf(line));
    // A folded line grows by its count and time range; a new line costs its full length.
    const cost = known
      ? known.count === 1
        ? 30
        : 1
      : groupLine({ ...line, count: 1, first: line.at, last: line.at }).length + 3;
    if (represented > 0 && used + cost > budget) break;
    used += cost;
    addTo(groups, line);
    represented += 1;
  }
  let items = [...groups.values()].map(groupLine);
  if (represented === 1 && used > budget) items = items.map((l) => cut(l, Math.max(20, budget - fixed)));
  const rest = all - represented;
  const notes =
    rest > 0
      ? [`${number(rest)} more ${plural(rest, 'event')} waiting; they follow in the next message.`]
      : [];
  return compose(request, represented, items, notes);
}

/** The distinct lines of `lines`, in order of first appearance, each with its count and time range. */
function groupsOf(lines: readonly EventLine[]): Grouped {
  const groups = new Map<string, Group>();
  for (const line of lines) addTo(groups, line);
  return { all: lines.length, ordered: [...groups.values()] };
}

interface Grouped {
  all: number;
  ordered: Group[];
  /** `ordered`, largest groups first (sorted once, when a round needs it). */
  byCount?: Group[];
}

/** With files: every event is represented; the message shows the largest groups, the file all. */
function withFile(request: DigestRequest, groups: Grouped, budget: number): Digest {
  const { all, ordered } = groups;
  // Every line is at least its label and summary long: when those alone exceed the budget, the
  // whole list cannot fit, and rendering it (thousands of lines in a storm) would be wasted.
  let least = 0;
  for (let i = 0; i < ordered.length && least <= budget; i++) {
    const g = ordered[i] as Group;
    least += g.label.length + g.summary.length;
  }
  if (least <= budget) {
    const whole = compose(request, all, ordered.map(groupLine), []);
    if (renderedLength(whole.message) <= budget) return whole;
  }

  const name = `digest-${new Date(request.now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.txt`;
  const note = `Details of all ${number(all)} ${plural(all, 'event')} are in the attached file ${name}.`;
  const fixed = renderedLength(compose(request, all, [], [note]).message);
  // Largest groups first: in a storm, what repeats most is what a reader wants to see.
  groups.byCount ??= ordered
    .map((g, i) => ({ g, i }))
    .sort((a, b) => b.g.count - a.g.count || a.i - b.i)
    .map(({ g }) => g);
  const items: string[] = [];
  let used = fixed;
  for (const g of groups.byCount) {
    const line = groupLine(g);
    if (used + line.length + 3 > budget) break;
    used += line.length + 3;
    items.push(line);
  }
  // The file's content is written by buildDigest once this digest's size is settled.
  return { ...compose(request, all, items, [note]), file: { name, content: new Uint8Array() } };
}

/** The last resort when nothing else fits: the header and the overflow note only, one event. */
function minimal(request: DigestRequest, lines: readonly EventLine[]): Digest {
  const represented = Math.min(1, lines.length);
  const first = lines[0];
  const items = first ? [cut(groupLine({ ...first, count: 1, first: first.at, last: first.at }), 40)] : [];
  return compose(request, represented, items, []);
}

function compose(request: DigestRequest, represented: number, items: string[], notes: string[]): Digest {
  const overflow = request.overflow.count;
  const total = represented + overflow;
  const sources = new Map<string, number>();
  let oldest = overflow > 0 ? request.overflow.since : request.now;
  for (let i = 0; i < represented; i++) {
    const event = request.events[i] as DigestEvent;
    oldest = Math.min(oldest, event.enqueuedAt);
    for (const source of event.sources.length > 0 ? event.sources : ['unknown source'])
      sources.set(source, (sources.get(source) ?? 0) + 1);
  }
  for (const [source, n] of request.overflow.sources) sources.set(source, (sources.get(source) ?? 0) + n);
  const header = `${number(total)} ${plural(total, 'event')} from ${sourceList(sources)} in the last ${span(request.now - oldest)}`;
  const context = [overflowNote(overflow, request.overflow.atCap), ...notes]
    .filter((t): t is string => !!t)
    .map((text) => ({ text }));
  const message: Message = {
    baseBody: {},
    timestamp: new Date(request.now),
    sections: [
      {
        header,
        ...(items.length > 0 ? { bulletLists: [{ items }] } : {}),
        ...(context.length > 0 ? { context } : {}),
      },
    ],
  };
  return { message, represented, overflowReported: overflow };
}

function overflowNote(count: number, atCap = 0): string | undefined {
  if (count === 0) return undefined;
  const lead = `… and ${number(count)} more ${plural(count, 'event')} whose details were dropped`;
  if (atCap === 0) return `${lead}: queue full`;
  if (atCap >= count) return `${lead}: the delivery queue file reached its size cap`;
  return `${lead}: queue full (${number(atCap)} of them at the delivery queue file's size cap)`;
}

function sourceList(sources: ReadonlyMap<string, number>): string {
  const sorted = [...sources].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (sorted.length === 1) return (sorted[0] as [string, number])[0];
  const named = sorted.slice(0, sourcesNamed).map(([name, n]) => `${name} (${number(n)})`);
  const more = sorted.length - sourcesNamed;
  return more > 0 ? `${named.join(', ')} and ${more} more ${plural(more, 'source')}` : named.join(', ');
}

function span(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000));
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 120 ? `${minutes} min` : `${Math.round(minutes / 60)} h`;
}

function renderedLength(message: Message): number {
  return renderMessageText(message, { format: 'markdown' }).full.length;
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function number(n: number): string {
  return n.toLocaleString('en-US');
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
