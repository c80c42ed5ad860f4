import type { SourceEvent } from '../../src/sdk/index.js';
import type { ScheduleEntry } from './config.js';
import type { Fire } from './scheduler.js';

/**
 * The event for one fire. The raw object (what actions see as `.Event`) carries the entry's
 * own `rawObject` fields plus `schedule`, `cron`, `timezone`, `scheduledFor` and `firedAt`,
 * which win over same-named fields. Without a `message` the event is `skipMessage`: nothing is
 * posted, but actions still run.
 */
export function fireEvent(entry: ScheduleEntry, fire: Fire): SourceEvent {
  const timezone = entry.timezone ?? 'UTC';
  return {
    message:
      entry.message === undefined
        ? { type: 'skipMessage', baseBody: {}, timestamp: fire.firedAt }
        : {
            baseBody: { plaintext: entry.message },
            timestamp: fire.firedAt,
            sections: [{ context: [{ text: `Schedule ${entry.name} (${entry.cron}, ${timezone})` }] }],
          },
    rawObject: {
      ...entry.rawObject,
      schedule: entry.name,
      cron: entry.cron,
      timezone,
      scheduledFor: fire.scheduledFor.toISOString(),
      firedAt: fire.firedAt.toISOString(),
    },
    analyticsLabels: { plugin: 'schedule' },
  };
}
