import type { ConfigLocator } from '../config/locate.js';
import type { BackoffPolicy } from '../core/backoff.js';
import type { Logger } from '../log/logger.js';
import type { LiveConfig } from './live-config.js';
import type { PlatformRunner } from './platform-runner.js';
import { stopSlot } from './platform-slot.js';
import type { PluginInstalls } from './plugin-installs.js';
import type { PluginProcesses } from './plugin-processes.js';
import type { SerialRunner } from './reload.js';
import { RetryBook } from './retry-book.js';

/**
 * The failures of parts that could not start (`repo:<name>`, `plugin:<kind>:<key>`,
 * `platform:<id>`), each retried with the `settings.startRetry` backoff. A due retry runs `retry`
 * through `serial`, so it never interleaves with a reload (or with start, which holds `serial`).
 */
export function createStartRetries(options: {
  live: LiveConfig;
  serial: SerialRunner;
  retry(key: string): Promise<void>;
  log: Logger;
}): RetryBook {
  return new RetryBook({
    policy: startRetryPolicy(options.live),
    onRetry: (key) => {
      options.serial
        .run(() => options.retry(key))
        .catch((err: unknown) =>
          options.log.error({ part: key, err: (err as Error).message }, 'retry failed unexpectedly'),
        );
    },
  });
}

/** `settings.startRetry`, read at each failure so a reloaded setting applies to the next retry. */
export function startRetryPolicy(live: LiveConfig): () => BackoffPolicy {
  return () => ({
    initialDelayMs: live.config().settings.startRetry.initialBackoff.ms,
    maxDelayMs: live.config().settings.startRetry.maxBackoff.ms,
    multiplier: 2,
    jitter: 0.2,
  });
}

export interface PartRetryOptions {
  live: LiveConfig;
  runner: PlatformRunner;
  installed: PluginInstalls;
  plugins: PluginProcesses;
  retries: RetryBook;
  /** Opens the source streams the topology wants that are not open; returns how many. */
  startStreams(): number;
  /** True once the agent is stopping: a retry then starts nothing. */
  stopped(): boolean;
  locator?: ConfigLocator;
  log: Logger;
}

/**
 * Makes the due-retry step for a part that could not start: `platform:<id>` starts the platform
 * again (unless the config dropped it or it runs already); `repo:<name>` and
 * `plugin:<kind>:<key>` install what waits on it, then start the plugins and streams that can now
 * run. A part the config no longer has is marked done, which ends its retries.
 */
export function createPartRetry(options: PartRetryOptions): (key: string) => Promise<void> {
  const { live, runner, installed, plugins, retries, log } = options;

  async function retryPlatform(key: string, id: string): Promise<void> {
    const instance = live.topology().platforms.find((p) => p.id === id);
    if (!instance) {
      retries.succeeded(key);
      return;
    }
    const previous = runner.slots.get(id);
    if (previous && previous.role !== 'stand-in') return;
    await runner.start(instance);
    // The agent may have stopped while the platform connected: it must not stay connected.
    if (options.stopped()) await stopSlot(runner.slots.get(id)).catch(() => undefined);
    else if (!retries.get(key)) log.info({ platform: id }, 'platform started after a retry');
  }

  return async (key) => {
    if (options.stopped()) return;
    if (key.startsWith('platform:')) return retryPlatform(key, key.slice('platform:'.length));
    const wanted = installed.waitingOn(key, live.used());
    if (wanted.length === 0) {
      retries.succeeded(key);
      return;
    }
    const ensured = await installed.ensure(wanted, live.config());
    const accepted = installed.acceptLate(ensured, live.config(), live.used(), options.locator);
    if (accepted.length === 0 || options.stopped()) return;
    const pluginsStarted = await plugins.startMissing(live.used());
    const streamsStarted = options.startStreams();
    log.info(
      { part: key, plugins: pluginsStarted, streams: streamsStarted },
      'installed after a retry; started',
    );
  };
}
