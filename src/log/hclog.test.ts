import { describe, expect, it } from 'vitest';
import { parseHclogLine } from './hclog.js';

describe('parseHclogLine', () => {
  it('keeps level, message, module and fields of an hclog JSON line', () => {
    const line =
      '{"@level":"warn","@message":"stream opened","@module":"ticker","@timestamp":"2025-03-02T10:15:30.123Z","source":"k8s"}';
    expect(parseHclogLine(line)).toEqual({
      level: 'warn',
      message: 'stream opened',
      module: 'ticker',
      fields: { source: 'k8s' },
      structured: true,
    });
  });

  it('maps unknown hclog levels to info', () => {
    expect(parseHclogLine('{"@level":"loud","@message":"x"}').level).toBe('info');
  });

  it('reads the level of a [LEVEL]-prefixed plain line', () => {
    expect(parseHclogLine('[DEBUG] plugin: starting')).toMatchObject({
      level: 'debug',
      message: 'plugin: starting',
      structured: false,
    });
  });

  it('logs other plain lines (panics) at the given level, text untouched', () => {
    expect(parseHclogLine('panic: runtime error: index out of range')).toEqual({
      level: 'error',
      message: 'panic: runtime error: index out of range',
      fields: {},
      structured: false,
    });
  });

  it('treats JSON that is not hclog as plain text', () => {
    expect(parseHclogLine('{"a":1}', 'warn')).toMatchObject({ level: 'warn', structured: false });
    expect(parseHclogLine('{not json}')).toMatchObject({ level: 'error', message: '{not json}' });
  });
});
