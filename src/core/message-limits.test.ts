import { describe, expect, it } from 'vitest';
import { commandButton, type Message } from '../contract/message.js';
import { fitMessageBody, measureText, messageTextLength, outputAttachment } from './message-limits.js';

describe('measureText', () => {
  it('counts UTF-16 code units, code points or UTF-8 bytes', () => {
    expect(measureText('aé😀')).toBe(4);
    expect(measureText('aé😀', 'utf16')).toBe(4);
    expect(measureText('aé😀', 'codepoints')).toBe(3);
    expect(measureText('aé😀', 'utf8')).toBe(7);
    expect(measureText('', 'codepoints')).toBe(0);
  });
});

describe('messageTextLength', () => {
  it('adds up every text a reader sees', () => {
    const message: Message = {
      baseBody: { plaintext: 'ab', codeBlock: 'cde' },
      plaintextInputs: [{ text: 'f', placeholder: 'g' }],
      sections: [
        {
          header: 'h',
          description: 'i',
          body: { plaintext: 'j', codeBlock: 'k' },
          textFields: [{ key: 'l', value: 'm' }],
          bulletLists: [{ title: 'n', items: ['o', 'p'] }],
          buttons: [{ name: 'q', description: 'r', command: 'not counted' }],
          context: [{ text: 's' }],
          plaintextInputs: [{ text: 't' }],
          multiSelect: {
            name: 'u',
            description: { plaintext: 'v', codeBlock: 'w' },
            options: [{ name: 'x', value: 'ignored' }],
          },
          selects: {
            items: [{ name: 'y', optionGroups: [{ name: 'z', options: [{ name: '1', value: 'ignored' }] }] }],
          },
        },
        {},
      ],
    };
    expect(messageTextLength(message)).toBe(27);
    expect(messageTextLength({ baseBody: {} })).toBe(0);
  });
});

describe('fitMessageBody', () => {
  const body = Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n');

  it('leaves a message that fits alone', () => {
    const message: Message = { baseBody: { codeBlock: body } };
    expect(fitMessageBody(message, 1000)).toEqual({ message, cut: false, removedChars: 0 });
    const empty: Message = { baseBody: {}, sections: [{ header: 'x'.repeat(50) }] };
    expect(fitMessageBody(empty, 10)).toEqual({ message: empty, cut: false, removedChars: 0 });
  });

  it('keeps whole lines from the start, and the notice says how much is missing', () => {
    const message: Message = {
      type: 'baseBodyWithFilter',
      baseBody: { codeBlock: body },
      sections: [{ header: 'H' }],
    };
    const fitted = fitMessageBody(message, 60);
    expect(fitted.cut).toBe(true);
    expect(fitted.message.baseBody.codeBlock).toBe(
      'line 0\nline 1\nline 2\n… 49 more characters not shown …',
    );
    expect(fitted.removedChars).toBe(49);
    expect(fitted.message.sections).toEqual([{ header: 'H' }]);
    expect(fitted.message.type).toBe('baseBodyWithFilter');
    expect(messageTextLength(fitted.message)).toBeLessThanOrEqual(60);
    expect(message.baseBody.codeBlock).toBe(body);
  });

  it('keeps whole lines from the end when asked', () => {
    const fitted = fitMessageBody({ baseBody: { plaintext: body } }, 60, { keep: 'end' });
    expect(fitted.message.baseBody.plaintext).toBe(
      '… 49 earlier characters not shown …\nline 7\nline 8\nline 9',
    );
    expect(messageTextLength(fitted.message)).toBeLessThanOrEqual(60);
  });

  it('keeps a cut exactly at a line end', () => {
    const fitted = fitMessageBody({ baseBody: { plaintext: 'aaaa\nbbbb\ncccc' } }, 13, { notice: () => 'N' });
    expect(fitted.message.baseBody.plaintext).toBe('aaaa\nbbbb\nN');
    const fromEnd = fitMessageBody({ baseBody: { plaintext: 'aaaa\nbbbb\ncccc' } }, 13, {
      notice: () => 'N',
      keep: 'end',
    });
    expect(fromEnd.message.baseBody.plaintext).toBe('N\nbbbb\ncccc');
  });

  it('cuts inside a single long line', () => {
    const fitted = fitMessageBody({ baseBody: { codeBlock: 'x'.repeat(100) } }, 20, {
      notice: (n) => `-${n}`,
    });
    expect(fitted.message.baseBody.codeBlock).toBe(`${'x'.repeat(15)}\n-85`);
    expect(fitted.removedChars).toBe(85);
  });

  it('reduces the body to the notice when the rest of the message is already too long', () => {
    const fitted = fitMessageBody(
      { baseBody: { plaintext: 'abc' }, sections: [{ header: 'x'.repeat(50) }] },
      10,
      {
        notice: () => '…',
      },
    );
    expect(fitted).toMatchObject({ cut: true, removedChars: 3, message: { baseBody: { plaintext: '…' } } });
  });
});

describe('outputAttachment', () => {
  it('renders the whole message as plain UTF-8 text', () => {
    const message: Message = {
      baseBody: { codeBlock: 'é\n' },
      sections: [{ buttons: [commandButton('Ping', 'ping')] }],
    };
    const file = outputAttachment(message, { botName: '@sb' });
    expect(file.name).toBe('output.txt');
    expect(new TextDecoder().decode(file.content)).toBe('é\n\n[Ping] → @sb ping\n');
    expect(outputAttachment(message, { name: 'response.txt' }).name).toBe('response.txt');
    expect(new TextDecoder().decode(outputAttachment(message).content)).toBe('é\n\n[Ping] → ping\n');
  });
});
