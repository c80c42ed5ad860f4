import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent, type SourceEvent } from '../../src/contract/event.js';
import { builtinPlugin, gohost, pluginLauncher, sourceContext } from '../support/builtin-plugins.js';

const plugins = pluginLauncher();
afterEach(() => plugins.stopAll());

const everySecond = [
  'schedules:',
  '  - name: heartbeat',
  '    cron: "*/1 * * * * *"',
  '    message: still here',
  '    rawObject: { command: "exec uptime" }',
  '',
].join('\n');

interface FireObject {
  schedule: string;
  scheduledFor: string;
  firedAt: string;
  command: string;
}

async function collect(config: string, count: number, appVersions?: number[]): Promise<SourceEvent[]> {
  const { client } = await plugins.source('source/schedule', appVersions ? { appVersions } : {});
  const events: SourceEvent[] = [];
  for await (const bytes of client.stream({
    config: new TextEncoder().encode(config),
    context: sourceContext,
  })) {
    events.push(parseEvent(bytes));
    if (events.length === count) break;
  }
  return events;
}

describe('schedule plugin under the Switchboard host', () => {
  it('fires an every-second schedule on whole seconds, never early', async () => {
    const events = await collect(everySecond, 3);
    expect(events.map((e) => e.message.baseBody.plaintext)).toEqual([
      'still here',
      'still here',
      'still here',
    ]);
    const fires = events.map((e) => e.rawObject as FireObject);
    for (const fire of fires) {
      expect(fire).toMatchObject({ schedule: 'heartbeat', command: 'exec uptime' });
      expect(Date.parse(fire.scheduledFor) % 1000).toBe(0);
      expect(Date.parse(fire.firedAt)).toBeGreaterThanOrEqual(Date.parse(fire.scheduledFor));
    }
    // In order, one per second (a loaded machine may skip a second, never repeat one).
    const times = fires.map((f) => Date.parse(f.scheduledFor));
    expect(times[1]).toBeGreaterThan(times[0] as number);
    expect(times[2]).toBeGreaterThan(times[1] as number);
  });

  it('sends action-only events (no message) as skipMessage, also over app protocol 1', async () => {
    const [event] = await collect('schedules: [{ name: quiet, cron: "* * * * * *" }]\n', 1, [1]);
    expect(event?.message.type).toBe('skipMessage');
    expect(event?.rawObject).toMatchObject({ schedule: 'quiet', timezone: 'UTC' });
  });

  it('fails the stream with a message that names the bad schedule', async () => {
    await expect(collect('schedules: [{ name: typo, cron: "0 25 * * *" }]\n', 1)).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('schedule "typo": cron "0 25 * * *" is not valid'),
    });
  });
});

describe("schedule plugin under go-plugin's client (gohost)", () => {
  it('streams fires', async () => {
    const events = (await gohost([
      '-type',
      'source',
      '-config',
      everySecond,
      builtinPlugin('source/schedule'),
      'stream',
      '2',
    ])) as { Message: { baseBody: { plaintext: string } }; RawObject: FireObject }[];
    expect(events.map((e) => [e.Message.baseBody.plaintext, e.RawObject.schedule])).toEqual([
      ['still here', 'heartbeat'],
      ['still here', 'heartbeat'],
    ]);
  });
});
