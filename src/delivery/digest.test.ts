import { describe, expect, it } from 'vitest';
import { type Message, plaintextMessage } from '../contract/message.js';
import { renderMessageText } from '../core/render-text.js';
import { buildDigest, type DigestEvent, digestEventCount, type OverflowTally } from './digest.js';
import { SummaryCache } from './summary-cache.js';

const now = Date.parse('2026-03-01T12:00:10.000Z');
const noOverflow: OverflowTally = { count: 0, sources: new Map(), since: 0 };
const events = (n: number, source = 'k8s-errors', text = (i: number) => `event ${i}`): DigestEvent[] =>
  Array.from({ length: n }, (_, i) => ({
    message: plaintextMessage(text(i)),
    sources: [source],
    enqueuedAt: now - 5000 + i,
  }));
const rendered = (m: Message) => renderMessageText(m, { format: 'markdown' }).full;
const items = (m: Message) => m.sections?.[0]?.bulletLists?.[0]?.items ?? [];

describe('buildDigest', () => {
  it('puts a parseable header with the count, the source and the span first', () => {
    const digest = buildDigest({
      events: events(37),
      overflow: noOverflow,
      maxChars: 4000,
      files: true,
      now,
    });
    expect(digest.message.sections?.[0]?.header).toBe('37 events from k8s-errors in the last 5 s');
    expect(digestEventCount(digest.message)).toBe(37);
    expect(digest.represented).toBe(37);
    expect(items(digest.message)).toHaveLength(37);
    expect(items(digest.message)[0]).toBe('12:00:05 [k8s-errors] event 0');
    expect(digest.file).toBeUndefined();
  });

  it('folds identical events into one counted line with their time range', () => {
    const same = events(40, 'k8s-errors', () => 'Pod default/web-1 CrashLoopBackOff');
    const digest = buildDigest({ events: same, overflow: noOverflow, maxChars: 2000, files: false, now });
    expect(items(digest.message)).toEqual([
      '40× [k8s-errors] Pod default/web-1 CrashLoopBackOff (12:00:05–12:00:05)',
    ]);
    expect(digest.represented).toBe(40);
  });

  it('names a few sources with their counts and counts the rest', () => {
    const mixed = [
      ...events(5, 'a'),
      ...events(3, 'b'),
      ...events(2, 'c'),
      ...events(1, 'd'),
      ...events(1, 'e'),
    ];
    const digest = buildDigest({ events: mixed, overflow: noOverflow, maxChars: 4000, files: false, now });
    expect(digest.message.sections?.[0]?.header).toBe(
      '12 events from a (5), b (3), c (2) and 2 more sources in the last 5 s',
    );
  });

  it('without files, fits the message and leaves the rest (in order) for the next digest', () => {
    const many = events(500);
    const first = buildDigest({ events: many, overflow: noOverflow, maxChars: 1000, files: false, now });
    expect(rendered(first.message).length).toBeLessThanOrEqual(1000);
    expect(first.represented).toBeGreaterThan(10);
    expect(first.represented).toBeLessThan(500);
    expect(digestEventCount(first.message)).toBe(first.represented);
    expect(items(first.message).map((l) => Number(/event (\d+)/.exec(l)?.[1]))).toEqual(
      Array.from({ length: first.represented }, (_, i) => i),
    );
    expect(first.message.sections?.[0]?.context?.map((c) => c.text)).toEqual([
      `${500 - first.represented} more events waiting; they follow in the next message.`,
    ]);
  });

  it('with files, represents every event: the largest groups in the message, all details in the file', () => {
    const many = [...events(300), ...events(200, 'k8s-warnings', () => 'Node n1 NotReady')];
    const digest = buildDigest({ events: many, overflow: noOverflow, maxChars: 1500, files: true, now });
    expect(digest.represented).toBe(500);
    expect(rendered(digest.message).length).toBeLessThanOrEqual(1500);
    expect(items(digest.message)[0]).toBe('200× [k8s-warnings] Node n1 NotReady (12:00:05–12:00:05)');
    const file = new TextDecoder().decode(digest.file?.content);
    const lines = file.split('\n');
    expect(lines[0]).toBe('500 events from k8s-errors (300), k8s-warnings (200) in the last 5 s');
    expect(lines.filter((l) => l.includes('[k8s-errors] event ')).length).toBe(300);
    expect(lines.filter((l) => l.includes('[k8s-warnings] Node n1 NotReady')).length).toBe(200);
    expect(lines[2]).toBe('2026-03-01T12:00:05.000Z [k8s-errors] event 0');
    expect(digest.file?.name).toBe('digest-20260301T120010Z.txt');
    expect(digest.message.sections?.[0]?.context?.at(-1)?.text).toBe(
      'Details of all 500 events are in the attached file digest-20260301T120010Z.txt.',
    );
  });

  it('reports the overflow in the count and in a note line', () => {
    const overflow: OverflowTally = {
      count: 1204,
      sources: new Map([['k8s-errors', 1204]]),
      since: now - 30_000,
    };
    const digest = buildDigest({ events: events(37), overflow, maxChars: 4000, files: false, now });
    expect(digest.message.sections?.[0]?.header).toBe('1,241 events from k8s-errors in the last 30 s');
    expect(digest.overflowReported).toBe(1204);
    expect(digest.message.sections?.[0]?.context?.[0]?.text).toBe(
      '… and 1,204 more events whose details were dropped: queue full',
    );
  });

  it('reports an overflow alone (no events left to detail)', () => {
    const overflow: OverflowTally = { count: 1, sources: new Map([['a', 1]]), since: now - 180_000 };
    const digest = buildDigest({ events: [], overflow, maxChars: 200, files: false, now });
    expect(digest.message.sections?.[0]?.header).toBe('1 event from a in the last 3 min');
    expect(digest.represented).toBe(0);
  });

  it('always represents at least one event, cutting its line when the room is tiny', () => {
    const long = events(3, 'a-source-with-a-long-name', (i) => `${'x'.repeat(400)} ${i}`);
    const digest = buildDigest({ events: long, overflow: noOverflow, maxChars: 150, files: false, now });
    expect(digest.represented).toBeGreaterThanOrEqual(1);
    expect(rendered(digest.message).length).toBeLessThanOrEqual(150);
  });

  it('rejects a room below 100 characters', () => {
    expect(() =>
      buildDigest({ events: events(1), overflow: noOverflow, maxChars: 50, files: false, now }),
    ).toThrow(/maxChars must be at least 100, got 50/);
  });
});

describe('digestEventCount', () => {
  it('is undefined for messages that are not digests', () => {
    expect(digestEventCount(plaintextMessage('37 events from x in the last 5 s'))).toBeUndefined();
    expect(digestEventCount({ baseBody: {}, sections: [{ header: 'Pod crashed' }] })).toBeUndefined();
  });
});

describe('buildDigest overflow note', () => {
  it('says when the queue file size cap dropped the details, with the counts', () => {
    const note = (count: number, atCap: number) =>
      buildDigest({
        events: events(2),
        overflow: { count, atCap, sources: new Map([['k8s-errors', count]]), since: now - 3000 },
        maxChars: 4000,
        files: false,
        now,
      }).message.sections?.[0]?.context?.[0]?.text;
    expect(note(1204, 1204)).toBe(
      '… and 1,204 more events whose details were dropped: the delivery queue file reached its size cap',
    );
    expect(note(30, 12)).toBe(
      "… and 30 more events whose details were dropped: queue full (12 of them at the delivery queue file's size cap)",
    );
    expect(note(5, 0)).toBe('… and 5 more events whose details were dropped: queue full');
  });
});

describe('buildDigest with a shared SummaryCache', () => {
  it('summarises each event once, however many digests and channels it goes into', () => {
    let reads = 0;
    const counted = (i: number): Message => {
      const sections = [
        { header: `Pod web-${i} restarted`, textFields: [{ key: 'Reason', value: 'BackOff' }] },
      ];
      return {
        baseBody: {},
        get sections() {
          reads += 1;
          return sections;
        },
      };
    };
    const shared = Array.from({ length: 200 }, (_, i) => ({
      message: counted(i),
      sources: ['k8s-errors'],
      enqueuedAt: now - 1000,
    }));
    const summaries = new SummaryCache();
    // A small budget: the digest needs an attached file, so both the line and the file line are used.
    const first = buildDigest({
      events: shared,
      overflow: noOverflow,
      maxChars: 500,
      files: true,
      now,
      summaries,
    });
    const afterFirst = reads;
    expect(first.file).toBeDefined();
    expect(new TextDecoder().decode(first.file?.content)).toContain(
      'Pod web-199 restarted — Reason: BackOff',
    );
    // Twenty channels digesting the same events again read no message.
    for (let channel = 0; channel < 20; channel++)
      buildDigest({ events: shared, overflow: noOverflow, maxChars: 500, files: true, now, summaries });
    expect(afterFirst).toBeGreaterThan(0);
    expect(reads).toBe(afterFirst);
  });
});
