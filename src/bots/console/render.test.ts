import { describe, expect, it } from 'vitest';
import { commandButton, type Message, urlButton } from '../../contract/message.js';
import { ViewMessageShape } from './limits.js';
import { renderConsoleMessage } from './render.js';

const ctx = { mention: '@Switchboard' };

describe('renderConsoleMessage', () => {
  it('shows nothing for a skipMessage and only the body for a baseBodyWithFilter message', () => {
    expect(renderConsoleMessage({ type: 'skipMessage', baseBody: { plaintext: 'x' } }, ctx)).toBeUndefined();
    const filtered = renderConsoleMessage(
      { type: 'baseBodyWithFilter', baseBody: { codeBlock: 'out' }, sections: [{ header: 'h' }] },
      ctx,
    );
    expect(filtered).toEqual({ message: { baseBody: { codeBlock: 'out' } }, notices: [] });
  });

  it('resolves {{BotName}} in every command and keeps only known fields', () => {
    const message = {
      baseBody: { plaintext: 'hi', extra: 1 },
      onlyVisibleForYou: true,
      sections: [
        {
          buttons: [commandButton('Again', 'echo hi')],
          selects: { items: [{ name: 'S', command: '{{BotName}} pick', optionGroups: [] }] },
          multiSelect: { command: '{{BotName}} many', options: [{ name: 'A', value: 'a' }] },
          plaintextInputs: [{ command: '{{BotName}} note', text: 'Note' }],
          unknown: 'x',
        },
      ],
    } as unknown as Message;
    const view = renderConsoleMessage(message, ctx)?.message;
    expect(view).toEqual({
      baseBody: { plaintext: 'hi' },
      sections: [
        {
          buttons: [{ name: 'Again', command: '@Switchboard echo hi' }],
          selects: { items: [{ name: 'S', command: '@Switchboard pick', optionGroups: [] }] },
          multiSelect: { command: '@Switchboard many', options: [{ name: 'A', value: 'a' }] },
          plaintextInputs: [{ command: '@Switchboard note', text: 'Note' }],
        },
      ],
    });
    expect(ViewMessageShape.safeParse(view).success).toBe(true);
  });

  it('keeps http(s) links only, and says when one was removed', () => {
    const rendering = renderConsoleMessage(
      {
        baseBody: {},
        sections: [
          {
            buttons: [
              urlButton('Docs', 'https://example.com/docs'),
              urlButton('Bad', 'javascript:alert(1)'),
              urlButton('Data', 'data:text/html,<script>'),
            ],
          },
        ],
      },
      ctx,
    );
    expect(rendering?.message.sections?.[0]?.buttons).toEqual([
      { name: 'Docs', url: 'https://example.com/docs' },
      { name: 'Bad' },
      { name: 'Data' },
    ]);
    expect(rendering?.notices).toEqual(['A link that is not http(s), or too long, was removed.']);
  });

  it('cuts lists to the console limits and counts what it left out', () => {
    const options = Array.from({ length: 150 }, (_, i) => ({ name: `o${i}`, value: `v${i}` }));
    const rendering = renderConsoleMessage(
      {
        baseBody: {},
        sections: [
          {
            buttons: Array.from({ length: 30 }, (_, i) => commandButton(`b${i}`, `echo ${i}`)),
            selects: {
              items: [
                {
                  name: 'many',
                  command: 'x',
                  optionGroups: [
                    { name: 'g1', options: options.slice(0, 90) },
                    { name: 'g2', options: options.slice(90) },
                  ],
                  initialOption: { name: 'o140', value: 'v140' },
                },
              ],
            },
          },
        ],
      },
      ctx,
    );
    const section = rendering?.message.sections?.[0];
    expect(section?.buttons).toHaveLength(25);
    const groups = section?.selects?.items?.[0]?.optionGroups ?? [];
    expect(groups.map((g) => g.options.length)).toEqual([90, 10]);
    // The pre-selected option was cut, so nothing is pre-selected.
    expect(section?.selects?.items?.[0]?.initialOption).toBeUndefined();
    expect(rendering?.notices).toEqual(['5 more buttons not shown.', '50 more options not shown.']);
  });

  it('refuses text beyond the message limit instead of cutting it (the bridge fits messages first)', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
    expect(() =>
      renderConsoleMessage(
        { baseBody: { codeBlock: long }, sections: [{ context: [{ text: 'ctx' }] }] },
        { ...ctx, maxMessageLength: 1000 },
      ),
    ).toThrow(/has \d+ characters of text, more than 1000; it was not fitted/);
    const fits = renderConsoleMessage(
      { baseBody: { codeBlock: 'short' } },
      { ...ctx, maxMessageLength: 1000 },
    );
    expect(fits?.message.baseBody.codeBlock).toBe('short');
  });

  it('writes timestamps as RFC 3339 and drops Go zero times', () => {
    const at = (timestamp: Message['timestamp']) =>
      renderConsoleMessage({ baseBody: {}, timestamp }, ctx)?.message;
    expect(at(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))?.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(at('2026-01-02T04:04:05+01:00')?.timestamp).toBe('2026-01-02T03:04:05.000Z');
    expect(at('0001-01-01T00:00:00Z')?.timestamp).toBeUndefined();
    expect(at('yesterday')?.timestamp).toBeUndefined();
  });

  it('passes markup through as data: escaping is the page’s job, and it never parses HTML', () => {
    const hostile = '<script>alert(1)</script>';
    const view = renderConsoleMessage(
      {
        baseBody: { plaintext: hostile },
        sections: [{ header: hostile, textFields: [{ key: hostile, value: hostile }] }],
      },
      ctx,
    )?.message;
    expect(view?.baseBody.plaintext).toBe(hostile);
    expect(view?.sections?.[0]).toEqual({ header: hostile, textFields: [{ key: hostile, value: hostile }] });
  });

  it('shows Slack emoji shortcodes as emoji in text, but not in code, commands or values', () => {
    const view = renderConsoleMessage(
      {
        baseBody: { plaintext: ':warning: disk `df :x:` :no_such_emoji:', codeBlock: 'grep :x: log' },
        sections: [
          {
            header: ':rotating_light: Alert',
            description: ':large_green_circle: healthy',
            textFields: [{ key: ':x: failed', value: ':white_check_mark: 3' }],
            bulletLists: [{ title: ':+1:', items: [':heart: one'] }],
            context: [{ text: ':warning: from demo' }],
            buttons: [
              { ...commandButton(':x: Stop', 'echo :x:'), description: ':x: now', descriptionStyle: 'text' },
              { ...commandButton('Show', 'echo :x:'), description: 'echo :x:' },
            ],
            selects: {
              items: [
                {
                  name: ':warning: level',
                  command: 'pick',
                  optionGroups: [{ name: ':x:', options: [{ name: ':x: bad', value: ':x:' }] }],
                },
              ],
            },
            plaintextInputs: [{ command: 'note', text: ':warning: Note', placeholder: ':x:' }],
          },
        ],
      },
      ctx,
    )?.message;
    expect(view?.baseBody).toEqual({
      plaintext: '\u26a0\ufe0f disk `df :x:` :no_such_emoji:',
      codeBlock: 'grep :x: log',
    });
    expect(view?.sections?.[0]).toEqual({
      header: '\u{1f6a8} Alert',
      description: '\u{1f7e2} healthy',
      textFields: [{ key: '\u274c failed', value: '\u2705 3' }],
      bulletLists: [{ title: '\u{1f44d}', items: ['\u2764\ufe0f one'] }],
      context: [{ text: '\u26a0\ufe0f from demo' }],
      buttons: [
        {
          name: '\u274c Stop',
          command: '@Switchboard echo :x:',
          description: '\u274c now',
          descriptionStyle: 'text',
        },
        { name: 'Show', command: '@Switchboard echo :x:', description: 'echo :x:' },
      ],
      selects: {
        items: [
          {
            name: '\u26a0\ufe0f level',
            command: 'pick',
            optionGroups: [{ name: '\u274c', options: [{ name: '\u274c bad', value: ':x:' }] }],
          },
        ],
      },
      plaintextInputs: [{ command: 'note', text: '\u26a0\ufe0f Note', placeholder: '\u274c' }],
    });
  });
});
