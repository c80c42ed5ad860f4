import { describe, expect, it } from 'vitest';
import { commandFrame, readClientFrame, readServerFrame, socketUrl } from './console-protocol.js';

describe('console protocol (core/console-protocol.js)', () => {
  it('reads a command frame and fills in the default origin', () => {
    expect(readClientFrame('{"type":"command","channel":"ops","text":"ping"}')).toEqual({
      ok: true,
      frame: { type: 'command', channel: 'ops', text: 'ping', origin: 'typed' },
    });
    expect(
      readClientFrame(JSON.stringify(commandFrame('ops', 'x', { origin: 'multi-select', value: ['a'] }))),
    ).toEqual({
      ok: true,
      frame: { type: 'command', channel: 'ops', text: 'x', origin: 'multi-select', value: ['a'] },
    });
  });

  it.each([
    ['[]', 'frame must be a JSON object with a "type"'],
    ['{"type":"command","channel":"","text":"x"}', 'channel must be a non-empty string (the channel name)'],
    ['{"type":"command","channel":"ops","text":5}', 'text must be a string (the command)'],
    ['{"type":"command","channel":"ops","text":"x","value":"v"}', 'value is not allowed with origin typed'],
    [
      '{"type":"command","channel":"ops","text":"x","origin":"select","value":[1]}',
      'value must be a string or a list of strings',
    ],
    [
      '{"type":"command","channel":"ops","text":"x","ref":7}',
      'ref must be a string of at most 64 characters',
    ],
    [
      '{"type":"command","channel":"ops","text":"x","source":"m1"}',
      'source is not allowed with origin typed',
    ],
    [
      '{"type":"command","channel":"ops","text":"x","origin":"button","source":""}',
      'source must be the id of the message whose control was used (a string of at most 64 characters)',
    ],
  ])('refuses %s', (data, error) => {
    expect(readClientFrame(data)).toMatchObject({ ok: false, error });
  });

  it('counts the value against the command limit', () => {
    const frame = JSON.stringify(commandFrame('ops', 'x', { origin: 'text-input', value: 'y'.repeat(10) }));
    expect(readClientFrame(frame, { maxCommandLength: 10 })).toEqual({
      ok: false,
      error: 'command is 11 characters long; the console accepts at most 10',
    });
  });

  it('reads server frames, skips unknown types and refuses incomplete ones', () => {
    expect(readServerFrame('{"type":"error","error":"no"}')).toEqual({ type: 'error', error: 'no' });
    expect(readServerFrame('{"type":"future","x":1}')).toBeUndefined();
    const form = { type: 'form', id: 'form:1', channel: 'ops', form: { baseBody: {} }, ref: 'r1' };
    expect(readServerFrame(JSON.stringify(form))).toEqual(form);
    expect(() => readServerFrame('{"type":"form","id":"form:1","channel":"ops","form":"<b>"}')).toThrow(
      'form frame: form must be a message',
    );
    expect(() => readServerFrame('{"type":"message","message":{"id":"m1"}}')).toThrow(
      'message frame: message must have an id, a channel and a kind',
    );
    expect(() => readServerFrame('"text"')).toThrow('frame has no "type"');
  });

  it('derives the socket URL from a page URL, keeping a path prefix and dropping the query', () => {
    expect(socketUrl('http://127.0.0.1:2116/')).toBe('ws://127.0.0.1:2116/ws');
    expect(socketUrl('http://127.0.0.1:2116')).toBe('ws://127.0.0.1:2116/ws');
    expect(socketUrl('https://ops.example.com/console/?token=x#ops')).toBe(
      'wss://ops.example.com/console/ws',
    );
    expect(socketUrl('https://ops.example.com/console/index.html')).toBe('wss://ops.example.com/console/ws');
    expect(socketUrl('ws://h:1/ws')).toBe('ws://h:1/ws');
    expect(() => socketUrl('ftp://h/')).toThrow('must use http, https, ws or wss');
  });
});
