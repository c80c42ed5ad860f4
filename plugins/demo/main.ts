/**
 * The demo source: emits a sample notification every few seconds, cycling through a few
 * realistic scenarios, so the quickstart shows events arriving without any real system.
 */
import { type SourceEvent, serveSource } from '../../src/sdk/index.js';
import { demoConfigSchema, readDemoConfig } from './config.js';
import { demoEvent } from './scenarios.js';

await serveSource({
  metadata: {
    version: '1.0.0',
    description: 'Emits sample notifications every few seconds, for trying Switchboard out.',
    jsonSchema: demoConfigSchema,
  },
  async *stream(input): AsyncGenerator<SourceEvent> {
    const config = readDemoConfig(input.config());
    input.log.info('demo events', { intervalMs: config.intervalMs, scenarios: config.scenarios });
    for (let sequence = 1; config.count === 0 || sequence <= config.count; sequence += 1) {
      // The first event comes at once, so a newcomer sees one as soon as the page opens.
      if (sequence > 1 && !(await sleep(config.intervalMs, input.signal))) return;
      if (input.signal.aborted) return;
      const scenario = config.scenarios[(sequence - 1) % config.scenarios.length] ?? 'pod-crashloop';
      yield demoEvent(scenario, sequence, new Date());
    }
    // Done counting: stay open and quiet, because a host re-opens a stream that ends.
    if (!input.signal.aborted) {
      await new Promise((resolve) => input.signal.addEventListener('abort', resolve, { once: true }));
    }
  },
});

/** Resolves true after `ms`, or false as soon as the stream is closed. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
