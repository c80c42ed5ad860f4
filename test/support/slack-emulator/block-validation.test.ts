import { describe, expect, it } from 'vitest';
import { blocksTextLength, checkMessage, defaultMessageLimits, validateBlocks } from './block-validation.js';

const limits = defaultMessageLimits;
const plain = (text: string) => ({ type: 'plain_text', text });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain(text),
  ...extra,
});
const option = (value: string, text = value) => ({ text: plain(text), value });

describe('validateBlocks', () => {
  it('accepts blocks at every limit', () => {
    const blocks = [
      ...Array.from({ length: 46 }, () => ({ type: 'divider' })),
      section('x'.repeat(3000)),
      { type: 'header', text: plain('h'.repeat(150)) },
      {
        type: 'actions',
        elements: Array.from({ length: 25 }, (_, i) =>
          button('b'.repeat(75), { action_id: `a${i}`, value: 'v'.repeat(2000) }),
        ),
      },
      { type: 'context', elements: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'c' })) },
    ];
    expect(validateBlocks(blocks, limits)).toEqual([]);
  });

  it("names each broken limit with Slack's wording and JSON pointer", () => {
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(validateBlocks(tooMany, limits)).toEqual(['no more than 50 items allowed [json-pointer:/blocks]']);
    expect(validateBlocks([section('x'.repeat(3001))], limits)).toEqual([
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(validateBlocks([{ type: 'header', text: plain('h'.repeat(151)) }], limits)).toEqual([
      'must be less than 151 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(validateBlocks([{ type: 'header', text: { type: 'mrkdwn', text: '*h*' } }], limits)).toEqual([
      'must be one of "plain_text" [json-pointer:/blocks/0/text/type]',
    ]);
    expect(validateBlocks([section('')], limits)).toEqual([
      'must be more than 0 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(validateBlocks([{ type: 'section' }], limits)).toEqual([
      'must provide either text or fields [json-pointer:/blocks/0]',
    ]);
    expect(validateBlocks([{ type: 'carousel' }], limits)).toEqual([
      'unsupported block type: carousel [json-pointer:/blocks/0/type]',
    ]);
    expect(validateBlocks([{ type: 'divider', block_id: 'b'.repeat(256) }], limits)).toEqual([
      'must be less than 256 characters [json-pointer:/blocks/0/block_id]',
    ]);
  });

  it('checks fields, context, actions, buttons and selects', () => {
    const fields = {
      type: 'section',
      fields: [...Array.from({ length: 10 }, () => plain('f')), plain('x'.repeat(2001))],
    };
    expect(validateBlocks([fields], limits)).toEqual([
      'no more than 10 items allowed [json-pointer:/blocks/0/fields]',
      'must be less than 2001 characters [json-pointer:/blocks/0/fields/10/text]',
    ]);
    const context = { type: 'context', elements: Array.from({ length: 11 }, () => plain('c')) };
    expect(validateBlocks([context], limits)).toEqual([
      'no more than 10 items allowed [json-pointer:/blocks/0/elements]',
    ]);
    const actions = {
      type: 'actions',
      elements: [
        button('b'.repeat(76), { action_id: 'a' }),
        button('ok', { action_id: 'a', value: 'v'.repeat(2001), style: 'green' }),
        ...Array.from({ length: 24 }, (_, i) => button('x', { action_id: `x${i}` })),
      ],
    };
    expect(validateBlocks([actions], limits)).toEqual([
      'no more than 25 items allowed [json-pointer:/blocks/0/elements]',
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
      'duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]',
      'must be less than 2001 characters [json-pointer:/blocks/0/elements/1/value]',
      'must be one of "primary", "danger" [json-pointer:/blocks/0/elements/1/style]',
    ]);
    const select = {
      type: 'section',
      text: plain('pick'),
      accessory: {
        type: 'static_select',
        action_id: 's',
        placeholder: plain('p'.repeat(151)),
        options: [...Array.from({ length: 100 }, (_, i) => option(`o${i}`)), option('v'.repeat(151), 'long')],
        initial_option: option('missing'),
      },
    };
    expect(validateBlocks([select], limits)).toEqual([
      'must be less than 151 characters [json-pointer:/blocks/0/accessory/placeholder/text]',
      'no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]',
      'must be less than 151 characters [json-pointer:/blocks/0/accessory/options/100/value]',
      'must match one of the provided options [json-pointer:/blocks/0/accessory/initial_option]',
    ]);
    expect(
      validateBlocks(
        [
          { type: 'divider', block_id: 'd' },
          { type: 'divider', block_id: 'd' },
        ],
        limits,
      ),
    ).toEqual(['duplicate block_id [json-pointer:/blocks/1/block_id]']);
  });
});

describe('checkMessage', () => {
  it("maps message-level limits to Slack's error codes", () => {
    expect(checkMessage({ text: 'x'.repeat(40_000) }, limits)).toBeUndefined();
    expect(checkMessage({ text: 'x'.repeat(40_001) }, limits)).toEqual({
      error: 'msg_too_long',
      messages: [],
    });
    expect(checkMessage({}, limits)).toEqual({ error: 'no_text', messages: [] });
    expect(checkMessage({ text: '', blocks: [] }, limits)).toEqual({ error: 'no_text', messages: [] });
    expect(checkMessage({ blocks: [section('x')] }, limits)).toBeUndefined();
    expect(checkMessage({ text: 'x', attachments: Array.from({ length: 101 }, () => ({})) }, limits)).toEqual(
      {
        error: 'too_many_attachments',
        messages: [],
      },
    );
    expect(checkMessage({ blocks: [{ type: 'nope' }] }, limits)?.error).toBe('invalid_blocks');
  });

  it('rejects blocks whose text adds up past the cumulative budget', () => {
    const fits = Array.from({ length: 4 }, () => section('x'.repeat(2999)));
    const over = Array.from({ length: 5 }, () => section('x'.repeat(2500)));
    expect(checkMessage({ text: 'fallback', blocks: fits }, limits)).toBeUndefined();
    expect(checkMessage({ text: 'fallback', blocks: over }, limits)).toEqual({
      error: 'msg_blocks_too_long',
      messages: [],
    });
    expect(checkMessage({ text: 'f', blocks: over }, { ...limits, blocksText: 20_000 })).toBeUndefined();
  });

  it('counts every text string inside blocks', () => {
    expect(
      blocksTextLength([section('abc'), { type: 'header', text: plain('de') }, { type: 'divider' }]),
    ).toBe(5);
  });
});
