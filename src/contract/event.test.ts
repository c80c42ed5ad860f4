import { describe, expect, it } from 'vitest';
import { encodeEvent, parseEvent, type SourceEvent } from './event.js';
import { MessageFormatError } from './message.js';

const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('encodeEvent', () => {
  it('writes the capitalised keys of Go’s untagged source.Event struct', () => {
    const event: SourceEvent = {
      message: { baseBody: { plaintext: 'Pod web-1 restarted' }, timestamp: '2025-03-02T10:15:30Z' },
      rawObject: { kind: 'Pod', name: 'web-1', namespace: 'shop' },
      analyticsLabels: { type: 'restart' },
    };

    expect(decode(encodeEvent(event))).toBe(
      '{"Message":{"baseBody":{"plaintext":"Pod web-1 restarted"},"timestamp":"2025-03-02T10:15:30Z"},' +
        '"RawObject":{"kind":"Pod","name":"web-1","namespace":"shop"},"AnalyticsLabels":{"type":"restart"}}',
    );
  });

  it('writes absent fields as Go’s nil values and sorts label keys like Go maps', () => {
    expect(decode(encodeEvent({ message: { baseBody: {} } }))).toBe(
      '{"Message":{"baseBody":{},"timestamp":"0001-01-01T00:00:00Z"},"RawObject":null,"AnalyticsLabels":null}',
    );
    expect(decode(encodeEvent({ message: { baseBody: {} }, analyticsLabels: { z: '1', a: '2' } }))).toContain(
      '"AnalyticsLabels":{"a":"2","z":"1"}',
    );
  });
});

describe('parseEvent', () => {
  it('reads an event from a Go plugin', () => {
    const json =
      '{"Message":{"baseBody":{"plaintext":"Pod web-1 restarted"},"timestamp":"2025-03-02T10:15:30Z"},' +
      '"RawObject":{"kind":"Pod"},"AnalyticsLabels":{"type":"restart"}}';

    expect(parseEvent(new TextEncoder().encode(json))).toEqual({
      message: { baseBody: { plaintext: 'Pod web-1 restarted' }, timestamp: '2025-03-02T10:15:30Z' },
      rawObject: { kind: 'Pod' },
      analyticsLabels: { type: 'restart' },
    });
  });

  it('matches the top-level keys case-insensitively', () => {
    for (const [message, raw] of [
      ['message', 'rawObject'],
      ['MESSAGE', 'RAWOBJECT'],
      ['mEsSaGe', 'rawobject'],
    ]) {
      const json = `{"${message}":{"baseBody":{"codeBlock":"x"}},"${raw}":[1,2]}`;
      expect(parseEvent(json), message).toEqual({
        message: { baseBody: { codeBlock: 'x' } },
        rawObject: [1, 2],
      });
    }
  });

  it('round-trips through encodeEvent', () => {
    const event: SourceEvent = {
      message: { type: 'nonInteractiveEventSingleSection', baseBody: {}, sections: [{ header: 'Alert' }] },
      rawObject: 'a plain string payload',
      analyticsLabels: { source: 'prometheus' },
    };

    expect(parseEvent(encodeEvent(event))).toEqual(event);
  });

  it('gives an empty message for empty input', () => {
    expect(parseEvent(new Uint8Array())).toEqual({ message: { baseBody: {} } });
    expect(parseEvent(' \n')).toEqual({ message: { baseBody: {} } });
    expect(parseEvent('null')).toEqual({ message: { baseBody: {} } });
    expect(parseEvent('{}')).toEqual({ message: { baseBody: {} } });
  });

  it('keeps scalar label values as strings and ignores other label values', () => {
    expect(
      parseEvent('{"AnalyticsLabels":{"count":3,"ok":true,"nested":{},"name":"x"}}').analyticsLabels,
    ).toEqual({
      count: '3',
      ok: 'true',
      name: 'x',
    });
  });

  it('throws MessageFormatError for non-JSON and non-object input', () => {
    expect(() => parseEvent('event!')).toThrow(MessageFormatError);
    expect(() => parseEvent('[]')).toThrow(/source\.Event JSON must be an object/);
  });
});
