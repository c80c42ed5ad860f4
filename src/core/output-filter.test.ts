import { describe, expect, it } from 'vitest';
import { commandButton, type Message } from '../contract/message.js';
import { filterLines, filterMessageOutput } from './output-filter.js';

const pods =
  'NAME    READY   STATUS\nweb-1   1/1     Running\ndb-0    0/1     CrashLoopBackOff\nweb-2   1/1     Running\n';

describe('filterLines', () => {
  it('keeps the lines containing the text, in order, with the final newline', () => {
    expect(filterLines(pods, 'web')).toEqual({
      text: 'web-1   1/1     Running\nweb-2   1/1     Running\n',
      matchedLines: 2,
      totalLines: 4,
    });
  });

  it('is case-sensitive unless asked otherwise', () => {
    expect(filterLines(pods, 'running').matchedLines).toBe(0);
    expect(filterLines(pods, 'running', { ignoreCase: true }).matchedLines).toBe(2);
  });

  it('returns an empty text when nothing matches', () => {
    expect(filterLines(pods, 'nope')).toEqual({ text: '', matchedLines: 0, totalLines: 4 });
  });

  it('handles text without a final newline, empty text and blank lines', () => {
    expect(filterLines('a1\nb\na2', 'a')).toEqual({ text: 'a1\na2', matchedLines: 2, totalLines: 3 });
    expect(filterLines('', 'a')).toEqual({ text: '', matchedLines: 0, totalLines: 0 });
    expect(filterLines('\n\n', '')).toEqual({ text: '\n\n', matchedLines: 2, totalLines: 2 });
  });

  it('keeps every line for an empty filter', () => {
    expect(filterLines(pods, '').text).toBe(pods);
  });

  it('treats the filter as text, not as a pattern', () => {
    expect(filterLines('a.b\naxb\n(x)', 'a.b').text).toBe('a.b');
    expect(filterLines('a.b\naxb\n(x)', '(x)').text).toBe('(x)');
  });
});

describe('filterMessageOutput', () => {
  it('filters the base body and section bodies, and keeps everything else', () => {
    const button = commandButton('Logs', 'kubectl logs web-1');
    const message: Message = {
      type: 'baseBodyWithFilter',
      baseBody: { codeBlock: pods, plaintext: 'web pods\nother' },
      timestamp: '2025-03-02T10:15:30Z',
      sections: [
        { header: 'Details', body: { plaintext: 'web ok\ndb failing' }, buttons: [button] },
        { textFields: [{ key: 'web', value: 'no' }], bulletLists: [{ items: ['db'] }] },
      ],
    };
    const result = filterMessageOutput(message, 'web');
    expect(result).toEqual({
      message: {
        type: 'baseBodyWithFilter',
        baseBody: { codeBlock: 'web-1   1/1     Running\nweb-2   1/1     Running\n', plaintext: 'web pods' },
        timestamp: '2025-03-02T10:15:30Z',
        sections: [
          { header: 'Details', body: { plaintext: 'web ok' }, buttons: [button] },
          { textFields: [{ key: 'web', value: 'no' }], bulletLists: [{ items: ['db'] }] },
        ],
      },
      matchedLines: 4,
      totalLines: 8,
    });
  });

  it('does not change the input message', () => {
    const message: Message = { baseBody: { codeBlock: 'a\nb' }, sections: [{ body: { codeBlock: 'a\nb' } }] };
    const copy = structuredClone(message);
    filterMessageOutput(message, 'a');
    expect(message).toEqual(copy);
  });

  it('reports zero lines for a message without body text', () => {
    expect(filterMessageOutput({ baseBody: {} }, 'x')).toEqual({
      message: { baseBody: {} },
      matchedLines: 0,
      totalLines: 0,
    });
  });

  it('passes the ignoreCase option down', () => {
    expect(
      filterMessageOutput({ baseBody: { codeBlock: 'Web\nDB' } }, 'web', { ignoreCase: true }).message
        .baseBody,
    ).toEqual({
      codeBlock: 'Web',
    });
  });
});
