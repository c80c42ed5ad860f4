import { describe, expect, it } from 'vitest';
import { codeBlockMessage, commandButton, type Message, type Section } from '../../contract/message.js';
import type { SectionBlock, SlackBlock } from './blocks.js';
import { commandFromAction } from './interaction.js';
import { blockTextLength, checkSlackPayload, slackLimits } from './limits.js';
import { renderSlackMessage } from './render.js';

const ctx = { botMention: '<@U0BOT>', botName: '@switchboard' };
const texts = (blocks: SlackBlock[]) =>
  blocks.flatMap((b) =>
    b.type === 'section' && b.text ? [b.text.text] : b.type === 'header' ? [b.text.text] : [],
  );

describe('renderSlackMessage', () => {
  it('renders command output as a fenced code section with a fallback text', () => {
    const { parts } = renderSlackMessage(codeBlockMessage('NAME  READY\nweb-1 1/1\n'), ctx);
    expect(parts).toEqual([
      {
        text: 'NAME  READY',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '```\nNAME  READY\nweb-1 1/1\n```' } }],
      },
    ]);
  });

  it('escapes &, < and > from plugins, keeps mentions and links, and names the bot', () => {
    const message: Message = {
      baseBody: {
        plaintext: 'a <!channel> & <b> for <@U0ALICE> see <https://x.test/a|docs> ask {{BotName}}',
      },
    };
    const [part] = renderSlackMessage(message, ctx).parts;
    expect(texts(part?.blocks ?? [])).toEqual([
      'a &lt;!channel&gt; &amp; &lt;b&gt; for <@U0ALICE> see <https://x.test/a|docs> ask <@U0BOT>',
    ]);
  });

  it('keeps code from closing its fence and escapes it', () => {
    const [part] = renderSlackMessage(codeBlockMessage('a ``` b <c>'), ctx).parts;
    expect(texts(part?.blocks ?? [])).toEqual(['```\na ``\u200b` b &lt;c&gt;\n```']);
  });

  it('renders the whole message model in Botkube layout (golden)', async () => {
    const message: Message = {
      baseBody: { plaintext: 'Deployment *web* changed' },
      timestamp: '2026-01-02T03:04:05Z',
      sections: [
        {
          header: 'Pod web-1 crashed',
          description: 'Restarted 3 times',
          textFields: [
            { key: 'Namespace', value: 'shop' },
            { key: 'Reason', value: 'OOMKilled' },
          ],
          body: { codeBlock: 'last log line' },
          bulletLists: [{ title: 'Hints', items: ['raise the memory limit', 'check for leaks'] }],
          buttons: [
            commandButton('Logs', 'kubectl logs web-1', { style: 'primary' }),
            { name: 'Runbook', url: 'https://runbooks.test/oom' },
          ],
          context: [{ text: 'cluster prod' }],
        },
        {
          style: { divider: 'none' },
          buttons: [
            commandButton('Describe', 'kubectl describe pod web-1', {
              description: 'kubectl describe pod web-1',
            }),
          ],
        },
        {
          selects: {
            id: 'ns-select',
            items: [
              {
                name: 'Namespace',
                command: '{{BotName}} kubectl get pods -n',
                optionGroups: [
                  {
                    name: 'Namespaces',
                    options: [
                      { name: 'shop', value: 'shop' },
                      { name: 'kube-system', value: 'kube-system' },
                    ],
                  },
                ],
                initialOption: { name: 'shop', value: 'shop' },
              },
            ],
          },
          multiSelect: {
            name: 'Sources',
            description: { plaintext: 'Pick the sources' },
            command: '{{BotName}} edit sourcebindings',
            options: [
              { name: 'k8s', value: 'k8s' },
              { name: 'prometheus', value: 'prom' },
            ],
            initialOptions: [{ name: 'k8s', value: 'k8s' }],
          },
          plaintextInputs: [
            {
              command: '{{BotName}} kubectl get pods --filter=',
              text: 'Filter',
              dispatchedAction: 'on_enter_pressed',
            },
          ],
        },
      ],
    };
    const { parts } = renderSlackMessage(message, ctx);
    expect(parts).toHaveLength(1);
    expect(checkSlackPayload(parts[0])).toBeUndefined();
    await expect(`${JSON.stringify(parts, null, 2)}\n`).toMatchFileSnapshot(
      './testdata/full-message.golden.txt',
    );
  });

  it('sends nothing for skipMessage and only the body for baseBodyWithFilter', () => {
    expect(renderSlackMessage({ type: 'skipMessage', baseBody: { plaintext: 'x' } }, ctx).parts).toEqual([]);
    const filtered = renderSlackMessage(
      { type: 'baseBodyWithFilter', baseBody: { codeBlock: 'out' }, sections: [{ header: 'ignored' }] },
      ctx,
    );
    expect(texts(filtered.parts[0]?.blocks ?? [])).toEqual(['```\nout\n```']);
  });

  it('turns a header longer than a header block into a bold line', () => {
    const header = 'h'.repeat(200);
    const [part] = renderSlackMessage({ baseBody: {}, sections: [{ header }] }, ctx).parts;
    expect(part?.blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: `*${header}*` } }]);
  });

  it('gives repeated buttons and selects unique action IDs and still decodes each command', () => {
    const section: Section = {
      buttons: Array.from({ length: 3 }, () => commandButton('Again', 'echo hi')),
      selects: {
        items: Array.from({ length: 2 }, () => ({
          name: 'Pick',
          command: '{{BotName}} echo',
          optionGroups: [{ name: 'g', options: [{ name: 'a', value: 'a' }] }],
        })),
      },
    };
    const { parts, refs } = renderSlackMessage({ baseBody: {}, sections: [section] }, ctx);
    expect(checkSlackPayload(parts[0])).toBeUndefined();
    const elements = (parts[0]?.blocks ?? []).flatMap((b) => (b.type === 'actions' ? b.elements : []));
    expect(new Set(elements.map((e) => e.action_id)).size).toBe(5);
    const lookup = (ref: string) => refs.get(ref);
    for (const e of elements) {
      const action =
        e.type === 'button'
          ? { type: 'button', action_id: e.action_id, value: e.value ?? null }
          : { type: 'static_select', action_id: e.action_id, selected_option: { value: 'a' } };
      const mapped = commandFromAction(action, lookup);
      expect(mapped).toMatchObject({
        kind: 'command',
        text: e.type === 'button' ? '<@U0BOT> echo hi' : '<@U0BOT> echo a',
      });
    }
  });

  it('carries commands longer than Slack fields as references', () => {
    const long = `echo ${'x'.repeat(3000)}`;
    const option = { name: 'long', value: 'v'.repeat(400) };
    const { parts, refs } = renderSlackMessage(
      {
        baseBody: {},
        sections: [
          {
            buttons: [commandButton('Long', long)],
            selects: {
              items: [{ name: 'Pick', command: long, optionGroups: [{ name: 'g', options: [option] }] }],
            },
          },
        ],
      },
      ctx,
    );
    expect(checkSlackPayload(parts[0])).toBeUndefined();
    const [button, select] = (parts[0]?.blocks ?? []).flatMap((b) =>
      b.type === 'actions' ? b.elements : [],
    );
    const lookup = (ref: string) => refs.get(ref);
    expect(button?.type === 'button' && button.value?.startsWith('sbref:')).toBe(true);
    expect(
      commandFromAction(
        {
          type: 'button',
          action_id: button?.action_id ?? '',
          value: button?.type === 'button' ? button.value : '',
        },
        lookup,
      ),
    ).toEqual({
      kind: 'command',
      text: `<@U0BOT> ${long}`,
      origin: 'button',
    });
    const selectOption =
      select?.type === 'static_select' ? select.option_groups?.[0]?.options[0]?.value : undefined;
    expect(
      commandFromAction(
        {
          type: 'static_select',
          action_id: select?.action_id ?? '',
          selected_option: { value: selectOption ?? '' },
        },
        lookup,
      ),
    ).toEqual({ kind: 'command', text: `${long} ${option.value}`, origin: 'select' });
  });

  it('renders a message longer than every limit within the limits of each Slack message, losing no text', () => {
    const code = Array.from({ length: 4000 }, (_, i) => `line ${i} <${'x'.repeat(40)}> & more`).join('\n');
    const sections: Section[] = Array.from({ length: 60 }, (_, s) => ({
      header: `Section ${s} `.repeat(20),
      description: 'd'.repeat(5000),
      textFields: Array.from({ length: 25 }, (_, f) => ({
        key: `k${f}`,
        value: 'v'.repeat(f === 3 ? 4500 : 300),
      })),
      buttons: Array.from({ length: 30 }, (_, b) =>
        commandButton(`Button ${b} ${'n'.repeat(100)}`, `echo ${s} ${b}`),
      ),
      selects: {
        items: Array.from({ length: s === 0 ? 30 : 2 }, (_, n) => ({
          name: `select ${n}`,
          command: `{{BotName}} pick ${n}`,
          optionGroups: Array.from({ length: 3 }, (_, g) => ({
            name: `group ${g} ${'g'.repeat(100)}`,
            options: Array.from({ length: 60 }, (_, o) => ({
              name: `option ${o} ${'o'.repeat(80)}`,
              value: `${g}-${o}`,
            })),
          })),
        })),
      },
      multiSelect: {
        name: 'many',
        command: '{{BotName}} many',
        options: Array.from({ length: 150 }, (_, o) => ({ name: `m${o} ${'m'.repeat(90)}`, value: `m${o}` })),
      },
      context: Array.from({ length: 25 }, () => ({ text: 'c'.repeat(1500) })),
    }));
    const message: Message = { baseBody: { codeBlock: code }, sections };
    const { parts } = renderSlackMessage(message, ctx);
    expect(parts.length).toBeGreaterThan(10);
    for (const [i, part] of parts.entries()) {
      expect(checkSlackPayload(part), `part ${i}`).toBeUndefined();
      expect(part.blocks.length).toBeLessThanOrEqual(slackLimits.blocksPerMessage);
      expect(blockTextLength(part.blocks)).toBeLessThanOrEqual(slackLimits.blockTextPerMessage);
      expect(part.blocks[0]?.type).not.toBe('divider');
      expect(part.blocks.at(-1)?.type).not.toBe('divider');
    }
    // The code arrives whole, in order, across fenced sections.
    const codeSections = parts
      .flatMap((p) => p.blocks)
      .filter((b): b is SectionBlock => b.type === 'section' && (b.text?.text.startsWith('```') ?? false))
      .map((b) => (b.text?.text ?? '').slice(4, -4));
    const escaped = code.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
    expect(codeSections.join('\n')).toBe(escaped);
    // The 4,500-character field is not cut: it gets its own section.
    const all = parts.flatMap((p) => texts(p.blocks)).join('');
    expect(all).toContain(`*k3:*${'v'.repeat(4500)}`);
  });

  it('renders Slack date markup for a timestamp and skips the Go zero time', () => {
    const at = renderSlackMessage(
      { baseBody: { plaintext: 'x' }, timestamp: new Date('2026-01-02T03:04:05Z') },
      ctx,
    );
    expect(at.parts[0]?.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '<!date^1767323045^{date_num} {time_secs}|Fri, 02 Jan 2026 03:04:05 GMT>' },
      ],
    });
    const zero = renderSlackMessage({ baseBody: { plaintext: 'x' }, timestamp: '0001-01-01T00:00:00Z' }, ctx);
    expect(zero.parts[0]?.blocks).toHaveLength(1);
  });

  it('puts dividers between sections, not after one styled "none" nor at the end', () => {
    const { parts } = renderSlackMessage(
      {
        baseBody: {},
        sections: [
          { description: 'a' },
          { description: 'b', style: { divider: 'none' } },
          { description: 'c' },
        ],
      },
      ctx,
    );
    expect(parts[0]?.blocks.map((b) => b.type)).toEqual(['section', 'divider', 'section', 'section']);
  });
});
