import { describe, expect, it } from 'vitest';
import type { Message } from '../../contract/message.js';
import { decodeCustomId, decodeOptionValue } from './component-ids.js';
import { checkDiscordPayload } from './limits.js';
import { eventLevel, levelColours, renderDiscordMessage } from './render.js';

const ctx = { botMention: '<@900>', botName: '@switchboard' };

describe('renderDiscordMessage', () => {
  it('renders markdown content with buttons as components whose custom_id is the command', () => {
    const message: Message = {
      baseBody: { codeBlock: 'NAME  READY\nweb-1 1/1' },
      sections: [
        {
          header: 'Pods',
          buttons: [{ name: 'Refresh', command: '{{BotName}} kubectl get pods', style: 'primary' }],
        },
      ],
    };
    const { payload, refs } = renderDiscordMessage(message, ctx);
    expect(payload?.content).toBe('```\nNAME  READY\nweb-1 1/1\n```\n\n**Pods**');
    expect(payload?.components).toEqual([
      {
        type: 1,
        components: [{ type: 2, style: 1, label: 'Refresh', custom_id: '0:<@900> kubectl get pods' }],
      },
    ]);
    expect(refs.size).toBe(0);
    expect(checkDiscordPayload(payload ?? { content: '', embeds: [], components: [] })).toBeUndefined();
  });

  it('keeps a command longer than 100 characters as a reference, and decodes both forms', () => {
    const long = `{{BotName}} kubectl logs ${'x'.repeat(120)}`;
    const { payload, refs } = renderDiscordMessage(
      {
        baseBody: {},
        sections: [
          {
            buttons: [
              { name: 'Logs', command: long },
              { name: 'Logs', command: long },
            ],
          },
        ],
      },
      ctx,
    );
    const ids = (payload?.components[0]?.components ?? []).map((c) => ('custom_id' in c ? c.custom_id : ''));
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) {
      expect(id.length).toBeLessThanOrEqual(100);
      expect(decodeCustomId(id, (ref) => refs.get(ref))).toBe(long.replace('{{BotName}}', '<@900>'));
    }
    expect(decodeCustomId('0;unknown', () => undefined)).toBeUndefined();
    expect(decodeCustomId('not ours', () => undefined)).toBeUndefined();
  });

  it('lists at most 25 options in a select and says how to reach the others', () => {
    const options = Array.from({ length: 40 }, (_, i) => ({ name: `ns-${i}`, value: `ns-${i}` }));
    const { payload, refs } = renderDiscordMessage(
      {
        baseBody: {},
        sections: [
          {
            selects: {
              items: [
                {
                  name: 'Namespace',
                  command: '{{BotName}} get ns',
                  optionGroups: [{ name: 'all', options }],
                },
              ],
            },
          },
        ],
      },
      ctx,
    );
    const select = payload?.components[0]?.components[0];
    expect(select && 'options' in select ? select.options : []).toHaveLength(25);
    expect(payload?.content).toContain(
      'Namespace has 15 more options than Discord lists: type `<@900> get ns <value>`',
    );
    const value = select && 'options' in select ? (select.options[3]?.value ?? '') : '';
    expect(decodeOptionValue(value, (ref) => refs.get(ref))).toBe('ns-3');
  });

  it('makes a multi-select of up to 25 values with its initial options chosen', () => {
    const { payload } = renderDiscordMessage(
      {
        baseBody: {},
        sections: [
          {
            multiSelect: {
              name: 'Pods',
              command: '{{BotName}} delete',
              options: [
                { name: 'a', value: 'a' },
                { name: 'b', value: 'b' },
              ],
              initialOptions: [{ name: 'b', value: 'b' }],
            },
          },
        ],
      },
      ctx,
    );
    expect(payload?.components[0]?.components[0]).toMatchObject({
      type: 3,
      min_values: 1,
      max_values: 2,
      options: [{ value: 'a' }, { value: 'b', default: true }],
    });
  });

  it('renders an event as an embed titled by its first header and coloured by level', () => {
    const { payload } = renderDiscordMessage(
      {
        baseBody: {},
        timestamp: '2026-12-07T10:00:00Z',
        sections: [{ header: 'Warning: pod evicted', description: 'node pressure' }],
      },
      { ...ctx, asEvent: true },
    );
    expect(payload?.content).toBe('');
    expect(payload?.embeds).toEqual([
      {
        color: levelColours.warning,
        title: 'Warning: pod evicted',
        description: 'node pressure',
        timestamp: '2026-12-07T10:00:00.000Z',
      },
    ]);
  });

  it('reads levels from words', () => {
    expect(eventLevel('Back-off restarting failed container')).toBe('error');
    expect(eventLevel('Warning FailedScheduling')).toBe('warning');
    expect(eventLevel('warning: disk 85%')).toBe('warning');
    expect(eventLevel('Deployment created')).toBe('success');
    expect(eventLevel('Pod scheduled')).toBe('info');
  });

  it('renders nothing for skipMessage, and a filtered body without its controls', () => {
    expect(
      renderDiscordMessage({ type: 'skipMessage', baseBody: { plaintext: 'x' } }, ctx).payload,
    ).toBeUndefined();
    const { payload } = renderDiscordMessage(
      {
        type: 'baseBodyWithFilter',
        baseBody: { plaintext: 'only this' },
        sections: [{ buttons: [{ name: 'B', command: 'b' }] }],
      },
      ctx,
    );
    expect(payload).toEqual({ content: 'only this', embeds: [], components: [] });
  });
});

describe('checkDiscordPayload', () => {
  it('names the limit a payload breaks', () => {
    expect(checkDiscordPayload({ content: 'x'.repeat(2001), embeds: [], components: [] })).toMatch(
      /^content:/,
    );
    expect(checkDiscordPayload({ content: '', embeds: [], components: [] })).toBe('the message is empty');
    expect(checkDiscordPayload({ content: '', embeds: [], components: [] }, true)).toBeUndefined();
  });
});
