import { describe, expect, it } from 'vitest';
import { DeliverySettings, Settings } from './settings.js';

describe('settings.delivery', () => {
  it('has defaults for every tunable', () => {
    const d = Settings.parse({}).delivery;
    expect({
      perChannel: d.queueLimit.perChannel,
      total: d.queueLimit.total,
      groupWait: d.groupWait.ms,
      sinkConcurrency: d.sinkConcurrency,
      dedupWindow: d.dedupWindow.ms,
      retry: [d.retry.initialBackoff.ms, d.retry.maxBackoff.ms, d.retry.giveUpAfter.ms],
      drain: d.drainTimeout.ms,
    }).toEqual({
      perChannel: 10_000,
      total: 100_000,
      groupWait: 250,
      sinkConcurrency: 16,
      dedupWindow: 30_000,
      retry: [500, 10_000, 3_600_000],
      drain: 10_000,
    });
  });

  it('names the field and the expectation when a value is wrong', () => {
    const issues = (input: unknown) =>
      DeliverySettings.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ retry: { initialBackoff: '5s', maxBackoff: '1s' } })).toEqual([
      'retry.maxBackoff: must be at least initialBackoff (5s)',
    ]);
    expect(issues({ queueLimit: { perChannel: 5 } })).toEqual(['queueLimit.perChannel: must be at least 10']);
    expect(issues({ dedupWindow: 'soon' })?.[0]).toMatch(/^dedupWindow: "soon" is not a duration/);
    expect(issues({ sinkConcurrency: 0 })).toEqual(['sinkConcurrency: must be at least 1']);
    expect(issues({ retry: { giveUpAfter: '10ms' } })?.[0]).toMatch(
      /^retry.giveUpAfter: "10ms" is too short/,
    );
  });
});
