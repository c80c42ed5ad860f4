import { describe, expect, it } from 'vitest';
import { commandButton, type Message } from '../../contract/message.js';
import type { InputBlock, SlackBlock } from './blocks.js';
import { commandFromAction } from './interaction.js';
import { formCallbackId, readFormTarget, renderSlackModal } from './modal.js';

const ctx = { botMention: '<@U0BOT>', botName: '@switchboard' };
const target = { channel: 'C0OPS', thread: '1700000000.000100' };

const form = (header?: string): Message => ({
  type: 'form',
  baseBody: { plaintext: 'Pick a namespace' },
  sections: [
    {
      ...(header ? { header } : {}),
      selects: {
        items: [
          {
            name: 'Namespace',
            command: '{{BotName}} kubectl get pods -n',
            optionGroups: [{ name: 'All', options: [{ name: 'shop', value: 'shop' }] }],
          },
        ],
      },
      multiSelect: {
        name: 'Kinds',
        command: '{{BotName}} kubectl get',
        options: [{ name: 'pods', value: 'pods' }],
      },
      plaintextInputs: [
        { command: '{{BotName}} kubectl logs ', text: 'Pod', dispatchedAction: 'on_enter_pressed' },
      ],
      buttons: [commandButton('Refresh', 'kubectl get pods')],
    },
  ],
});

const inputs = (blocks: SlackBlock[]) => blocks.filter((b): b is InputBlock => b.type === 'input');

describe('renderSlackModal', () => {
  it('makes the header the title and every select and input an optional input block', () => {
    const rendering = renderSlackModal(form('Pods'), ctx, target);
    if (!rendering.ok) throw new Error(rendering.problem);
    const { view } = rendering;
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: formCallbackId,
      title: { type: 'plain_text', text: 'Pods' },
      submit: { type: 'plain_text', text: 'Submit' },
      close: { type: 'plain_text', text: 'Cancel' },
    });
    expect(JSON.parse(view.private_metadata)).toEqual(target);
    expect(view.blocks.some((b) => b.type === 'header')).toBe(false);
    const fields = inputs(view.blocks);
    expect(fields.map((b) => [b.element.type, b.optional])).toEqual([
      ['plain_text_input', true],
      ['multi_static_select', true],
      ['static_select', true],
    ]);
    // The form sends the text; Enter must not send it early as a block action.
    expect(JSON.stringify(view.blocks)).not.toContain('dispatch_action');
    // Buttons stay buttons.
    expect(view.blocks.some((b) => b.type === 'actions' && b.elements[0]?.type === 'button')).toBe(true);
  });

  it('submitted values decode to the same commands as clicks in a channel', () => {
    const rendering = renderSlackModal(form('Pods'), ctx, target);
    if (!rendering.ok) throw new Error(rendering.problem);
    const lookup = (ref: string) => rendering.refs.get(ref);
    const [text, multi, select] = inputs(rendering.view.blocks);
    const run = (block: InputBlock | undefined, value: Record<string, unknown>) =>
      commandFromAction(
        {
          ...value,
          type: block?.element.type ?? '',
          action_id: block?.element.action_id ?? '',
          block_id: block?.block_id ?? '',
        },
        lookup,
      );
    expect(run(select, { selected_option: { value: 'shop' } })).toEqual({
      kind: 'command',
      text: '<@U0BOT> kubectl get pods -n shop',
      origin: 'select',
    });
    expect(run(multi, { selected_options: [{ value: 'pods' }] })).toMatchObject({
      text: '<@U0BOT> kubectl get pods',
    });
    expect(run(text, { value: ' web-1 ' })).toMatchObject({ text: '<@U0BOT> kubectl logs "web-1"' });
  });

  it('cuts a long title to 24 characters and keeps the whole header in the body; no header: the bot name', () => {
    const long = 'Pods of the shop namespace in production';
    const rendering = renderSlackModal(form(long), ctx, target);
    if (!rendering.ok) throw new Error(rendering.problem);
    expect(rendering.view.title.text).toHaveLength(24);
    expect(rendering.view.title.text.endsWith('…')).toBe(true);
    expect(rendering.view.blocks).toContainEqual({
      type: 'header',
      text: expect.objectContaining({ text: long }),
    });
    const unnamed = renderSlackModal(form(), ctx, { channel: 'C0OPS' });
    expect(unnamed.ok && unnamed.view.title.text).toBe('@switchboard');
    expect(unnamed.ok && JSON.parse(unnamed.view.private_metadata)).toEqual({ channel: 'C0OPS' });
  });

  it('refuses what a modal cannot show, so the form is posted instead', () => {
    const big: Message = {
      type: 'form',
      baseBody: {},
      sections: Array.from({ length: 60 }, (_, i) => ({ description: `line ${i}` })),
    };
    expect(renderSlackModal(big, ctx, target)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('blocks'),
    });
    expect(renderSlackModal({ type: 'form', baseBody: {} }, ctx, target)).toMatchObject({ ok: false });
  });
});

describe('readFormTarget', () => {
  it('reads what renderSlackModal wrote and nothing else', () => {
    expect(readFormTarget(JSON.stringify(target))).toEqual(target);
    for (const bad of [
      undefined,
      '',
      'not json',
      'null',
      '"C0OPS"',
      '{"channel":"ops"}',
      '{"channel":"C0OPS","thread":"x"}',
    ]) {
      expect(readFormTarget(bad), String(bad)).toBeUndefined();
    }
  });
});
