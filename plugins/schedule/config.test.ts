import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  readScheduleConfig,
  type ScheduleConfig,
  type ScheduleEntry,
  type scheduleConfigSchema,
} from './config.js';

type EntrySchema = (typeof scheduleConfigSchema)['properties']['schedules']['items'];

describe('schedule config: the type and the JSON Schema agree', () => {
  it('names the same keys, and requires what the type requires', () => {
    expectTypeOf<keyof (typeof scheduleConfigSchema)['properties']>().toEqualTypeOf<keyof ScheduleConfig>();
    expectTypeOf<keyof EntrySchema['properties']>().toEqualTypeOf<keyof ScheduleEntry>();
    expectTypeOf<EntrySchema['required'][number]>().toEqualTypeOf<'name' | 'cron'>();
  });

  it('accepts every config the type accepts', () => {
    const sample: ScheduleConfig = {
      schedules: [
        { name: 'standup', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin', message: 'Stand-up!' },
        { name: 'disk', cron: '*/10 * * * * *', rawObject: { command: 'exec df -h' } },
      ],
    };
    expect(readScheduleConfig(sample)).toEqual(sample);
    expect(readScheduleConfig({ schedules: [] })).toEqual({ schedules: [] });
  });

  it('refuses what the type refuses, and what a schema cannot check', () => {
    // @ts-expect-error cron is required
    const noCron: ScheduleConfig = { schedules: [{ name: 'x' }] };
    expect(() => readScheduleConfig(noCron)).toThrow("/schedules/0 must have required property 'cron'");
    const entry = { name: 'x', cron: '* * * * *' };
    expect(() => readScheduleConfig({ schedules: [entry, entry] })).toThrow(
      'schedule "x": the name is used twice',
    );
    expect(() => readScheduleConfig({ schedules: [{ ...entry, timezone: 'Mars/Olympus' }] })).toThrow(
      'schedule "x": unknown time zone "Mars/Olympus"; use an IANA name like Europe/Berlin',
    );
    expect(() => readScheduleConfig({ schedules: [{ ...entry, cron: '61 * * * *' }] })).toThrow(
      'schedule "x": cron "61 * * * *" is not valid: CronPattern: Invalid value for minute: 61',
    );
  });
});
