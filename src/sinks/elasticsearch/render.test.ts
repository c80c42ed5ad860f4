import { describe, expect, it } from 'vitest';
import type { SinkEvent } from '../sink-event.js';
import { datedIndexName, renderDocument } from './render.js';

const event = (data: unknown): SinkEvent => ({
  id: 'id-1',
  time: new Date('2025-03-02T10:15:30Z'),
  sources: ['k8s'],
  data,
  text: 'Pod restarted',
});

describe('renderDocument', () => {
  it('keeps the raw object fields at the top level and adds @timestamp and switchboard metadata', () => {
    expect(renderDocument(event({ Kind: 'Pod', Namespace: 'shop' }), { clusterName: 'prod' })).toEqual({
      Kind: 'Pod',
      Namespace: 'shop',
      '@timestamp': '2025-03-02T10:15:30.000Z',
      switchboard: { id: 'id-1', sources: ['k8s'], text: 'Pod restarted', cluster: 'prod' },
    });
  });

  it('keeps the object’s own @timestamp and puts a non-object under data', () => {
    expect(renderDocument(event({ '@timestamp': '2020-01-01T00:00:00Z' }), {})['@timestamp']).toBe(
      '2020-01-01T00:00:00Z',
    );
    expect(renderDocument(event([1, 2]), {}).data).toEqual([1, 2]);
    expect(renderDocument(event('text'), {}).data).toBe('text');
    expect(renderDocument(event(null), {})).not.toHaveProperty('data');
    expect(renderDocument(event(null), {}).switchboard).not.toHaveProperty('cluster');
  });
});

describe('datedIndexName', () => {
  it('uses the UTC day with dots', () => {
    expect(datedIndexName('botkube', new Date('2025-01-09T23:30:00-02:00'))).toBe('botkube-2025.01.10');
    expect(datedIndexName('a', new Date('0999-12-31T00:00:00Z'))).toBe('a-0999.12.31');
  });
});
