import { describe, expect, it } from 'vitest';
import { commandButton, type Message, urlButton } from '../contract/message.js';
import { renderMessageText } from './render-text.js';

const rich: Message = {
  baseBody: { plaintext: 'Pods in shop', codeBlock: 'NAME   READY\nweb-1  1/1\n' },
  timestamp: new Date('2025-03-02T10:15:30Z'),
  sections: [
    {
      header: 'Pod web-1 restarted',
      description: 'Namespace shop',
      body: { codeBlock: 'Back-off restarting' },
      textFields: [{ key: 'Kind', value: 'Pod' }],
      bulletLists: [{ title: 'Reasons', items: ['OOMKilled'] }],
      buttons: [
        commandButton('Logs', 'kubectl logs web-1', {
          description: 'Show the logs',
          descriptionStyle: 'text',
        }),
        commandButton('Describe', 'kubectl describe pod web-1', {
          description: 'kubectl describe pod web-1',
        }),
        urlButton('Runbook', 'https://example.com/rb'),
      ],
      context: [{ text: 'cluster prod' }],
    },
  ],
};

describe('renderMessageText: plain', () => {
  it('renders every part of a message in order, blocks separated by a blank line', () => {
    const { full, parts, cut } = renderMessageText(rich, {
      header: 'kubectl get pods on prod',
      showTimestamp: true,
    });
    expect(full).toBe(
      [
        'kubectl get pods on prod',
        '',
        'Pods in shop',
        'NAME   READY',
        'web-1  1/1',
        '',
        '== Pod web-1 restarted ==',
        'Namespace shop',
        'Back-off restarting',
        '• Kind: Pod',
        'Reasons',
        '• OOMKilled',
        '[Logs] Show the logs → kubectl logs web-1',
        '[Describe] → kubectl describe pod web-1',
        '[Runbook] https://example.com/rb',
        'cluster prod',
        '',
        '2025-03-02T10:15:30.000Z',
      ].join('\n'),
    );
    expect(parts).toEqual([full]);
    expect(cut).toBe(false);
  });

  it('replaces the bot placeholder when a bot name is given', () => {
    const message: Message = { baseBody: {}, sections: [{ buttons: [commandButton('Ping', 'ping')] }] };
    expect(renderMessageText(message, { botName: '@Switchboard' }).full).toBe('[Ping] → @Switchboard ping');
    expect(renderMessageText(message).full).toBe('[Ping] → ping');
  });

  it('renders selects, multi-selects and inputs as hints', () => {
    const options = Array.from({ length: 12 }, (_, i) => ({ name: `ns${i}`, value: `v${i}` }));
    const message: Message = {
      baseBody: {},
      plaintextInputs: [{ command: '{{BotName}} kubectl logs', text: 'Pod', placeholder: 'name' }],
      sections: [
        {
          selects: {
            items: [
              {
                name: 'Namespace',
                command: '{{BotName}} kubectl get pods -n',
                optionGroups: [{ name: 'g', options }],
              },
              { command: 'x', optionGroups: [] },
              { optionGroups: [] },
            ],
          },
          multiSelect: {
            name: 'Sources',
            description: { plaintext: 'Pick sources' },
            command: '{{BotName}} edit sb',
            options: [{ name: '', value: 'k8s' }],
          },
          plaintextInputs: [{ command: 'echo' }, { text: 'no command' }],
        },
      ],
    };
    expect(renderMessageText(message).full).toBe(
      [
        '[Namespace] one of ns0, ns1, ns2, ns3, ns4, ns5, ns6, ns7, ns8, ns9, … (2 more) → kubectl get pods -n <value>',
        'x <value>',
        'Pick sources',
        '[Sources] any of k8s → edit sb <value,value…>',
        '[Input] → echo <value>',
        '',
        '[Pod] → kubectl logs <name>',
      ].join('\n'),
    );
  });

  it('shows only the base body of a baseBodyWithFilter message', () => {
    const message: Message = { ...rich, type: 'baseBodyWithFilter' };
    expect(renderMessageText(message).full).toBe('Pods in shop\nNAME   READY\nweb-1  1/1');
  });

  it('returns no parts for skipMessage and for a message with nothing to show', () => {
    expect(renderMessageText({ ...rich, type: 'skipMessage' })).toEqual({ parts: [], full: '', cut: false });
    expect(renderMessageText({ baseBody: { plaintext: '', codeBlock: '' } })).toEqual({
      parts: [],
      full: '',
      cut: false,
    });
    expect(renderMessageText({ baseBody: {}, sections: [{}, { buttons: [] }] })).toEqual({
      parts: [],
      full: '',
      cut: false,
    });
  });

  it('shows a timestamp string as given, and no line for an empty one', () => {
    expect(
      renderMessageText(
        { baseBody: { plaintext: 'x' }, timestamp: '2025-03-02T10:15:30Z' },
        { showTimestamp: true },
      ).full,
    ).toBe('x\n\n2025-03-02T10:15:30Z');
    expect(
      renderMessageText({ baseBody: { plaintext: 'x' }, timestamp: '' }, { showTimestamp: true }).full,
    ).toBe('x');
  });
});

describe('renderMessageText: markdown', () => {
  it('uses CommonMark by default', () => {
    const { full } = renderMessageText(rich, {
      format: 'markdown',
      header: '`kubectl get pods` on prod',
      botName: '@sb',
    });
    expect(full).toBe(
      [
        '**`kubectl get pods` on prod**',
        '',
        'Pods in shop',
        '```',
        'NAME   READY',
        'web-1  1/1',
        '```',
        '',
        '**Pod web-1 restarted**',
        'Namespace shop',
        '```',
        'Back-off restarting',
        '```',
        '• **Kind:** Pod',
        '**Reasons**',
        '• OOMKilled',
        '• **Logs**: Show the logs — `@sb kubectl logs web-1`',
        '• **Describe** — `@sb kubectl describe pod web-1`',
        '• [Runbook](https://example.com/rb)',
        '_cluster prod_',
      ].join('\n'),
    );
  });

  it('follows the dialect for bold, italic and links', () => {
    const message: Message = {
      baseBody: {},
      sections: [{ header: 'H', buttons: [urlButton('Docs', 'https://d')], context: [{ text: 'c' }] }],
    };
    expect(
      renderMessageText(message, { format: 'markdown', dialect: { bold: '*', italic: '_', link: 'slack' } })
        .full,
    ).toBe('*H*\n• <https://d|Docs>\n_c_');
    expect(
      renderMessageText(message, { format: 'markdown', dialect: { italic: '*', link: 'bare' } }).full,
    ).toBe('**H**\n• Docs: https://d\n*c*');
  });

  it('styles button descriptions', () => {
    const styles = ['', 'code', 'bold', 'italic', 'text'] as const;
    const message: Message = {
      baseBody: {},
      sections: [
        {
          buttons: styles.map((s) => ({
            name: s || 'default',
            command: 'x',
            description: 'd',
            descriptionStyle: s,
          })),
        },
      ],
    };
    expect(renderMessageText(message, { format: 'markdown' }).full).toBe(
      [
        '• **default**: `d` — `x`',
        '• **code**: `d` — `x`',
        '• **bold**: **d** — `x`',
        '• **italic**: _d_ — `x`',
        '• **text**: d — `x`',
      ].join('\n'),
    );
  });

  it('keeps code fences from being closed by the content, and quotes commands with backticks', () => {
    const message: Message = {
      baseBody: { codeBlock: 'a\n```\nb' },
      sections: [{ buttons: [{ name: 'Run', command: 'echo `id`' }, { name: 'Nothing' }] }],
    };
    expect(renderMessageText(message, { format: 'markdown' }).full).toBe(
      '```\na\n``\u200b`\nb\n```\n\n• **Run** — `` echo `id` ``\n• **Nothing**',
    );
  });
});

describe('renderMessageText: limits', () => {
  const lines = (n: number, prefix = 'line') =>
    Array.from({ length: n }, (_, i) => `${prefix} ${i}`).join('\n');

  it('returns one part when the text fits', () => {
    const result = renderMessageText({ baseBody: { plaintext: 'short' } }, { limits: { maxChars: 100 } });
    expect(result).toEqual({ parts: ['short'], full: 'short', cut: false });
  });

  it('truncates at a line boundary, keeps the start and adds the notice', () => {
    const result = renderMessageText({ baseBody: { plaintext: lines(20) } }, { limits: { maxChars: 100 } });
    expect(result.cut).toBe(true);
    expect(result.parts).toEqual([`${lines(11)}\n… (output truncated)`]);
    expect(result.parts[0]?.length).toBeLessThanOrEqual(100);
    expect(result.full).toBe(lines(20));
  });

  it('keeps the end when asked, with the notice first', () => {
    const result = renderMessageText(
      { baseBody: { plaintext: lines(20) } },
      { limits: { maxChars: 120, keep: 'end' } },
    );
    const kept = Array.from({ length: 11 }, (_, i) => `line ${i + 9}`).join('\n');
    expect(result.parts).toEqual([`… (earlier output truncated)\n${kept}`]);
  });

  it('shortens a notice longer than a quarter of the limit', () => {
    const result = renderMessageText({ baseBody: { plaintext: lines(20) } }, { limits: { maxChars: 40 } });
    expect(result.parts).toEqual(['line 0\nline 1\nline 2\nline 3\n… (output ']);
  });

  it('closes and reopens code fences across parts when splitting', () => {
    const result = renderMessageText(
      { baseBody: { codeBlock: lines(6) } },
      { format: 'markdown', header: 'H', limits: { maxChars: 30, overflow: 'split' } },
    );
    expect(result.cut).toBe(false);
    expect(result.parts).toEqual([
      '**H**\n\n```\nline 0\nline 1\n```',
      '```\nline 2\nline 3\nline 4\n```',
      '```\nline 5\n```',
    ]);
  });

  it('stops after maxParts when splitting, and marks the cut', () => {
    const result = renderMessageText(
      { baseBody: { codeBlock: lines(30) } },
      { format: 'markdown', limits: { maxChars: 40, overflow: 'split', maxParts: 2, notice: '(cut)' } },
    );
    expect(result.cut).toBe(true);
    expect(result.parts).toEqual([
      '```\nline 0\nline 1\nline 2\nline 3\n```',
      '```\nline 4\nline 5\nline 6\n```\n(cut)',
    ]);
  });

  it('rejects limits too small to be useful', () => {
    expect(() => renderMessageText({ baseBody: { plaintext: 'x' } }, { limits: { maxChars: 19 } })).toThrow(
      RangeError,
    );
    expect(() =>
      renderMessageText({ baseBody: { plaintext: 'x' } }, { limits: { maxChars: 100, maxParts: 0 } }),
    ).toThrow(RangeError);
  });
});
