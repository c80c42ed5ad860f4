import { describe, expect, it } from 'vitest';
import { renderWebhookPayload } from './render.js';

describe('renderWebhookPayload', () => {
  it("starts with Botkube's keys and adds Switchboard's", () => {
    const payload = renderWebhookPayload(
      { id: 'id-1', time: new Date('2025-03-02T10:15:30Z'), sources: ['a', 'b'], data: { x: 1 }, text: 't' },
      {},
    );
    expect(Object.keys(payload)).toEqual(['source', 'data', 'timeStamp', 'sources', 'id', 'text']);
    expect(payload).toMatchObject({ source: 'a,b', data: { x: 1 }, timeStamp: '2025-03-02T10:15:30.000Z' });
  });
});
