/**
 * The schedule source: emits an event whenever one of its cron expressions fires, to post a
 * message or drive actions ("every weekday at 09:00 run `exec df -h` in #ops").
 */
import { type SourceEvent, serveSource } from '../../src/sdk/index.js';
import { systemClock } from './clock.js';
import { readScheduleConfig, scheduleConfigSchema } from './config.js';
import { fireEvent } from './event.js';
import { scheduleFires } from './scheduler.js';

await serveSource({
  metadata: {
    version: '1.0.0',
    description: 'Emits events on cron schedules (with seconds and time zones).',
    jsonSchema: scheduleConfigSchema,
  },
  async *stream(input): AsyncGenerator<SourceEvent> {
    const config = readScheduleConfig(input.config());
    const byName = new Map(config.schedules.map((entry) => [entry.name, entry]));
    input.log.info('schedules loaded', { names: [...byName.keys()] });
    for await (const fire of scheduleFires(config.schedules, systemClock, input.signal)) {
      const entry = byName.get(fire.name);
      if (entry) yield fireEvent(entry, fire);
    }
    // Nothing left to fire (no schedules, or none can fire again): keep the stream open and
    // quiet, because a host re-opens a stream that ends.
    if (!input.signal.aborted) {
      await new Promise((resolve) => input.signal.addEventListener('abort', resolve, { once: true }));
    }
  },
});
