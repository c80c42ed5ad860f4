import { describe, expect, it } from 'vitest';
import { fireEvent } from './event.js';

const fire = {
  name: 'disk',
  scheduledFor: new Date('2025-03-31T07:00:00Z'),
  firedAt: new Date('2025-03-31T07:00:00.012Z'),
};

describe('fireEvent', () => {
  it('posts the message and gives actions the schedule, times and extra fields', () => {
    const entry = {
      name: 'disk',
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      message: 'Disk report',
      rawObject: { command: 'exec df -h', schedule: 'overridden' },
    };
    expect(fireEvent(entry, fire)).toEqual({
      message: {
        baseBody: { plaintext: 'Disk report' },
        timestamp: fire.firedAt,
        sections: [{ context: [{ text: 'Schedule disk (0 9 * * 1-5, Europe/Berlin)' }] }],
      },
      rawObject: {
        command: 'exec df -h',
        schedule: 'disk',
        cron: '0 9 * * 1-5',
        timezone: 'Europe/Berlin',
        scheduledFor: '2025-03-31T07:00:00.000Z',
        firedAt: '2025-03-31T07:00:00.012Z',
      },
      analyticsLabels: { plugin: 'schedule' },
    });
  });

  it('posts nothing without a message (the event is for actions only)', () => {
    expect(fireEvent({ name: 'disk', cron: '* * * * *' }, fire).message).toEqual({
      type: 'skipMessage',
      baseBody: {},
      timestamp: fire.firedAt,
    });
  });
});
