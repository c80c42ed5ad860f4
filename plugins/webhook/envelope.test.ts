import { describe, expect, it } from 'vitest';
import { envelopeMarker, readRequest } from './envelope.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('readRequest', () => {
  it('unwraps the envelope: lower-case headers and the exact body bytes', () => {
    const body = '{"zen":"Keep it logically awesome.","emoji":"✓"}';
    const request = readRequest(
      bytes(
        JSON.stringify({
          envelope: envelopeMarker,
          headers: { 'X-GitHub-Event': 'ping', Via: ['a', 'b'] },
          body,
        }),
      ),
    );
    expect(request).toEqual({
      headers: { 'x-github-event': 'ping', via: 'a, b' },
      body: bytes(body),
      enveloped: true,
    });
  });

  it('takes anything else as the bare body, including look-alikes', () => {
    for (const payload of [
      '{"a":1}',
      'not json',
      `{"envelope":"${envelopeMarker}","headers":{}}`, // no body
      `{"envelope":"other","headers":{},"body":"x"}`,
    ]) {
      expect(readRequest(bytes(payload))).toEqual({ headers: {}, body: bytes(payload), enveloped: false });
    }
  });
});
