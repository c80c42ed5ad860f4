import { describe, expect, it } from 'vitest';
import { codeBlockMessage, plaintextMessage } from '../contract/message.js';
import { fitForDestination } from './fit-message.js';

const slackLike = { maxMessageLength: 3000, files: true } as const;
const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join('\n');

describe('fitForDestination', () => {
  it('sends a message whose body fits inline, unchanged', () => {
    const message = codeBlockMessage('short');
    expect(fitForDestination(message, slackLike, { fileName: 'output.txt' })).toEqual({
      action: 'inline',
      message,
    });
    const empty = plaintextMessage('');
    expect(fitForDestination({ ...empty, baseBody: {} }, slackLike, { fileName: 'x' }).action).toBe('inline');
  });

  it('cuts a long body to its end with a note, and attaches the whole body where files are taken', () => {
    const body = lines(1000);
    const decision = fitForDestination(codeBlockMessage(body), slackLike, { fileName: 'output.txt' });
    expect(decision.action).toBe('attach');
    if (decision.action !== 'attach') return;
    const kept = decision.message.baseBody.codeBlock ?? '';
    expect(kept.length).toBe(2600);
    expect(kept).toMatch(/^… \d+ earlier characters not shown; full output attached …\n/);
    expect(kept.endsWith('line 999')).toBe(true);
    expect(decision.omitted).toBe(body.length - 2600);
    expect(decision.file.name).toBe('output.txt');
    expect(new TextDecoder().decode(decision.file.content)).toBe(body);
  });

  it('only cuts, with a note that promises no file, where files are not taken', () => {
    const decision = fitForDestination(
      plaintextMessage(lines(1000)),
      { ...slackLike, files: false },
      {
        fileName: 'output.txt',
      },
    );
    expect(decision.action).toBe('cut');
    expect(decision.message.baseBody.plaintext).toMatch(/^… \d+ earlier characters not shown …\n/);
  });

  it('gives a live snapshot the final note but no file (the final answer carries it)', () => {
    const decision = fitForDestination(codeBlockMessage(lines(1000)), slackLike, {
      fileName: 'output.txt',
      snapshot: true,
    });
    expect(decision.action).toBe('cut');
    expect(decision.message.baseBody.codeBlock).toMatch(/full output attached/);
  });

  it('counts in the destination’s unit and never splits a character', () => {
    const body = '€'.repeat(2000); // 2,000 code points, 6,000 UTF-8 bytes
    const target = { maxMessageLength: 1500, lengthUnit: 'utf8', files: true } as const;
    const decision = fitForDestination(plaintextMessage(body), target, { fileName: 'o.txt' });
    const kept = decision.message.baseBody.plaintext ?? '';
    expect(new TextEncoder().encode(kept).length).toBeLessThanOrEqual(1100);
    expect(kept).toMatch(/^… 4900 earlier characters not shown; full output attached …\n€+$/);
    const byPoints = fitForDestination(
      plaintextMessage(body),
      { ...target, lengthUnit: 'codepoints' },
      {
        fileName: 'o.txt',
      },
    );
    expect(byPoints.action).toBe('attach');
    expect(Array.from(byPoints.message.baseBody.plaintext ?? '')).toHaveLength(1100);
  });

  it('replaces a message whose sections alone are too long with one line, attaching the whole text', () => {
    const sections = Array.from({ length: 20 }, (_, i) => ({
      header: `S${i}`,
      description: 'd'.repeat(500),
    }));
    const message = { ...plaintextMessage('short body'), sections };
    const target = { ...slackLike, maxTotalLength: 5000 };
    const decision = fitForDestination(message, target, { fileName: 'event.txt' });
    expect(decision.action).toBe('attach');
    if (decision.action !== 'attach') return;
    expect(decision.message.sections).toEqual([{ header: 'S0' }]);
    expect(decision.message.baseBody.plaintext).toBe(
      'This message has 10060 characters, too many to show here; the whole text is attached.',
    );
    const file = new TextDecoder().decode(decision.file.content);
    expect(file).toContain('short body');
    expect(file).toContain('S19');
    expect(file.match(/d{500}/g)).toHaveLength(20);

    // No files: the line promises none. Within maxTotalLength: the message goes as it is.
    const noFiles = fitForDestination(message, { ...target, files: false }, { fileName: 'event.txt' });
    expect(noFiles).toMatchObject({ action: 'cut', omitted: 10060 });
    expect(noFiles.message.baseBody.plaintext).toBe(
      'This message has 10060 characters, too many to show here.',
    );
    expect(fitForDestination(message, { ...target, maxTotalLength: 20_000 }, { fileName: 'x' }).action).toBe(
      'inline',
    );
  });
});
