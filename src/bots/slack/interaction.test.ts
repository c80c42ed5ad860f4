import { describe, expect, it } from 'vitest';
import { commandFromAction, interactionState } from './interaction.js';

const refs = new Map([['sbref:abc', '<@U0BOT> kubectl get pods -n']]);
const lookup = (ref: string) => refs.get(ref);

describe('commandFromAction', () => {
  it('maps each element kind to its command, as Botkube does', () => {
    expect(commandFromAction({ type: 'button', action_id: 'cmd:x', value: '<@U0BOT> ping' }, lookup)).toEqual(
      {
        kind: 'command',
        text: '<@U0BOT> ping',
        origin: 'button',
      },
    );
    expect(
      commandFromAction(
        { type: 'static_select', action_id: 'sbref:abc~2', selected_option: { value: 'shop' } },
        lookup,
      ),
    ).toEqual({ kind: 'command', text: '<@U0BOT> kubectl get pods -n shop', origin: 'select' });
    expect(
      commandFromAction(
        {
          type: 'multi_static_select',
          action_id: '<@U0BOT> edit sb',
          selected_options: [{ value: 'a' }, { value: 'b' }],
        },
        lookup,
      ),
    ).toEqual({ kind: 'command', text: '<@U0BOT> edit sb a,b', origin: 'multi-select' });
    expect(
      commandFromAction(
        {
          type: 'plain_text_input',
          action_id: 'x',
          block_id: '<@U0BOT> logs --filter=',
          value: ' say "hi" ',
        },
        lookup,
      ),
    ).toEqual({ kind: 'command', text: '<@U0BOT> logs --filter="say \\"hi\\""', origin: 'text-input' });
  });

  it('ignores link buttons, cleared selects and other elements; reports unknown references', () => {
    expect(commandFromAction({ type: 'button', action_id: 'url:https://x' }, lookup)).toEqual({
      kind: 'ignore',
      reason: 'link',
    });
    expect(
      commandFromAction({ type: 'static_select', action_id: 'x', selected_option: null }, lookup).kind,
    ).toBe('ignore');
    expect(commandFromAction({ type: 'datepicker', action_id: 'x' }, lookup).kind).toBe('ignore');
    expect(commandFromAction({ type: 'button', action_id: 'cmd:x', value: 'sbref:gone' }, lookup)).toEqual({
      kind: 'expired',
    });
  });
});

describe('interactionState', () => {
  it('forwards state.values with decoded action IDs and the bot mention removed', () => {
    const state = interactionState(
      {
        values: {
          b1: {
            '<@U0BOT> kc --verbs': { type: 'static_select', selected_option: { value: 'get' } },
            'sbref:abc': { type: 'static_select', selected_option: { value: 'shop' } },
          },
        },
      },
      '<@U0BOT>',
      lookup,
    );
    expect(JSON.parse(new TextDecoder().decode(state))).toEqual({
      values: {
        b1: {
          'kc --verbs': { type: 'static_select', selected_option: { value: 'get' } },
          'kubectl get pods -n': { type: 'static_select', selected_option: { value: 'shop' } },
        },
      },
    });
    expect(interactionState({ values: {} }, '<@U0BOT>', lookup)).toBeUndefined();
    expect(interactionState(undefined, '<@U0BOT>', lookup)).toBeUndefined();
  });
});
