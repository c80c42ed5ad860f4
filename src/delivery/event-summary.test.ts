import { describe, expect, it } from 'vitest';
import { codeBlockMessage, plaintextMessage } from '../contract/message.js';
import { cut, summarizeEvent } from './event-summary.js';

describe('summarizeEvent', () => {
  it('uses the section header, the first line of its description and the first fields', () => {
    const line = summarizeEvent(
      {
        baseBody: {},
        sections: [
          {
            header: 'Pod  default/web-1\ncrashed',
            description: '\n  Back-off restarting failed container  \nmore',
            textFields: [
              { key: 'Kind', value: 'Pod' },
              { key: 'Namespace', value: 'default' },
              { key: 'Reason', value: 'BackOff' },
              { key: 'Node', value: 'n1' },
            ],
          },
        ],
      },
      500,
    );
    expect(line).toBe(
      'Pod default/web-1 — Back-off restarting failed container — Kind: Pod, Namespace: default, Reason: BackOff',
    );
  });

  it('falls back to the first non-empty line of the body, then of any section', () => {
    expect(summarizeEvent(plaintextMessage('\n\n  first  line \nsecond'), 100)).toBe('first line');
    expect(summarizeEvent(codeBlockMessage('$ kubectl get pods\nNAME'), 100)).toBe('$ kubectl get pods');
    expect(
      summarizeEvent({ baseBody: {}, sections: [{ bulletLists: [{ items: ['item one'] }] }] }, 100),
    ).toBe('item one');
    expect(summarizeEvent({ baseBody: {} }, 100)).toBe('(event without text)');
  });

  it('shows all fields when asked (attached files) and cuts long lines with an ellipsis', () => {
    const message = {
      baseBody: { plaintext: 'alert' },
      sections: [{ textFields: Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) }],
    };
    expect(summarizeEvent(message, 1000, Number.POSITIVE_INFINITY)).toBe(
      'alert — k0: v0, k1: v1, k2: v2, k3: v3, k4: v4',
    );
    expect(summarizeEvent(plaintextMessage('x'.repeat(300)), 50)).toBe(`${'x'.repeat(49)}…`);
  });
});

describe('cut', () => {
  it('never splits a surrogate pair', () => {
    expect(cut('ab😀cd', 4)).toBe('ab…');
    expect(cut('short', 10)).toBe('short');
  });
});
