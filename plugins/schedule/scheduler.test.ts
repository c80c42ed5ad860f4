import { describe, expect, it } from 'vitest';
import type { Clock } from './clock.js';
import { type CronSpec, type Fire, maxSleepMs, scheduleFires } from './scheduler.js';

/**
 * A virtual clock: time moves only when the scheduler sleeps, by exactly what it asked for
 * (plus `oversleepMs` once, to simulate a suspended machine). Weeks pass in milliseconds.
 */
function virtualClock(startIso: string, options: { oversleepOnceMs?: number } = {}) {
  let now = Date.parse(startIso);
  let oversleep = options.oversleepOnceMs ?? 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms + oversleep;
      oversleep = 0;
    },
  };
  return { clock, sleeps };
}

async function firstFires(specs: CronSpec[], clock: Clock, count: number): Promise<Fire[]> {
  const fires: Fire[] = [];
  for await (const fire of scheduleFires(specs, clock, new AbortController().signal)) {
    fires.push(fire);
    if (fires.length === count) break;
  }
  return fires;
}

const iso = (fires: Fire[]) => fires.map((f) => f.scheduledFor.toISOString());

describe('scheduleFires with a virtual clock', () => {
  it('fires weekdays at 09:00 Berlin time, across the spring DST change', async () => {
    // Friday 28 March 2025, 10:00 in Berlin (CET, UTC+1); clocks go forward on Sunday the 30th.
    const { clock } = virtualClock('2025-03-28T09:00:00Z');
    const fires = await firstFires(
      [{ name: 'standup', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }],
      clock,
      3,
    );
    expect(iso(fires)).toEqual([
      '2025-03-31T07:00:00.000Z', // Monday, 09:00 CEST (UTC+2): the weekend is skipped
      '2025-04-01T07:00:00.000Z',
      '2025-04-02T07:00:00.000Z',
    ]);
    // A fire is never early, and with an exact clock never late either.
    for (const fire of fires) expect(fire.firedAt).toEqual(fire.scheduledFor);
  });

  it('fires once on the autumn DST change, and at 03:30 when 02:30 does not exist', async () => {
    const daily = [{ name: 'night', cron: '0 30 2 * * *', timezone: 'Europe/Berlin' }];
    // 02:30 happens twice on 26 October 2025 (CEST, then CET): one fire, at the second.
    const autumn = await firstFires(daily, virtualClock('2025-10-25T12:00:00Z').clock, 2);
    expect(iso(autumn)).toEqual(['2025-10-26T01:30:00.000Z', '2025-10-27T01:30:00.000Z']);
    // 02:30 does not exist on 30 March 2025 (02:00 → 03:00): croner fires at 03:30 CEST.
    const spring = await firstFires(daily, virtualClock('2025-03-29T12:00:00Z').clock, 2);
    expect(iso(spring)).toEqual(['2025-03-30T01:30:00.000Z', '2025-03-31T00:30:00.000Z']);
  });

  it('reads the expression in UTC by default, and supports seconds', async () => {
    const { clock } = virtualClock('2025-01-01T00:00:00.400Z');
    const fires = await firstFires([{ name: 'tick', cron: '*/20 * * * * *' }], clock, 3);
    expect(iso(fires)).toEqual([
      '2025-01-01T00:00:20.000Z',
      '2025-01-01T00:00:40.000Z',
      '2025-01-01T00:01:00.000Z',
    ]);
  });

  it('interleaves several schedules in time order, and fires both when they coincide', async () => {
    const { clock } = virtualClock('2025-01-01T00:00:00Z');
    const fires = await firstFires(
      [
        { name: 'every-15m', cron: '*/15 * * * *' },
        { name: 'every-30m', cron: '*/30 * * * *' },
      ],
      clock,
      5,
    );
    expect(fires.map((f) => `${f.name}@${f.scheduledFor.toISOString().slice(11, 16)}`)).toEqual([
      'every-15m@00:15',
      'every-15m@00:30',
      'every-30m@00:30',
      'every-15m@00:45',
      'every-15m@01:00',
    ]);
  });

  it('sleeps in bounded steps, so a yearly schedule never overflows a timer', async () => {
    const { clock, sleeps } = virtualClock('2025-01-02T00:00:00Z');
    const [fire] = await firstFires([{ name: 'new-year', cron: '0 0 1 1 *' }], clock, 1);
    expect(fire?.scheduledFor.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(sleeps.reduce((a, b) => Math.max(a, b))).toBe(maxSleepMs);
  });

  it('fires once, late, after oversleeping several fire times, then continues on schedule', async () => {
    // The first sleep lasts 3 hours too long (a suspended laptop, say).
    const { clock } = virtualClock('2025-01-01T00:00:00Z', { oversleepOnceMs: 3 * 3600_000 });
    const fires = await firstFires([{ name: 'hourly', cron: '0 * * * *' }], clock, 2);
    expect(fires.map((f) => [f.scheduledFor.toISOString(), f.firedAt.toISOString()])).toEqual([
      // Woken at 03:01 (a 1-minute sleep plus 3 hours): 01:00 fires late, 02:00 and 03:00 are skipped.
      ['2025-01-01T01:00:00.000Z', '2025-01-01T03:01:00.000Z'],
      ['2025-01-01T04:00:00.000Z', '2025-01-01T04:00:00.000Z'],
    ]);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    const { clock } = virtualClock('2025-01-01T00:00:00Z');
    const seen: Fire[] = [];
    for await (const fire of scheduleFires([{ name: 's', cron: '* * * * * *' }], clock, controller.signal)) {
      seen.push(fire);
      if (seen.length === 2) controller.abort();
    }
    expect(seen).toHaveLength(2);
  });
});
