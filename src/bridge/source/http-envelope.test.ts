import { describe, expect, it } from 'vitest';
import { envelopeSchemaId, wantsEnvelope, wrapInEnvelope } from './http-envelope.js';

describe('http envelope', () => {
  it('is wanted only by schemas with the envelope $id', () => {
    expect(wantsEnvelope(JSON.stringify({ $id: envelopeSchemaId }))).toBe(true);
    expect(wantsEnvelope('{"type":"object"}')).toBe(false);
    expect(wantsEnvelope('not json')).toBe(false);
    expect(wantsEnvelope(undefined)).toBe(false);
  });

  it('keeps the exact body and lower-cased headers, without the agent credentials', () => {
    const wrapped = JSON.parse(
      Buffer.from(
        wrapInEnvelope(Buffer.from('{"a": 1}'), {
          'X-Hub-Signature-256': 'sha256=ab',
          authorization: 'Bearer agent-token',
          cookie: 'c=1',
          'x-github-event': 'push',
        }),
      ).toString(),
    );
    expect(wrapped).toEqual({
      envelope: 'switchboard.http-request.v1',
      headers: { 'x-hub-signature-256': 'sha256=ab', 'x-github-event': 'push' },
      body: '{"a": 1}',
    });
  });
});
