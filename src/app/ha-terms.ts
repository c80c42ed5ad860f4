import type { StepDownReason } from '../ha/leader-elector.js';
import type { HttpHandlers } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import type { Leadership } from './leadership.js';
import type { LiveConfig } from './live-config.js';
import type { PlatformRunner } from './platform-runner.js';
import type { SourceCursorStore } from './source-cursors.js';
import type { StreamSet } from './stream-set.js';
import type { TermOutbox } from './term-outbox.js';
import { serveForwardedWebhooks } from './webhook-forward.js';

/** What a replica starts and stops as its terms as leader begin and end. */
export interface HaTermParts {
  /** Made at start, after these terms: a term only runs once it exists. */
  leadership(): Leadership | undefined;
  stopped(): boolean;
  live: LiveConfig;
  /** The deployment's consumer name: also the runtime state's key in the shared bucket. */
  consumer: string;
  outbox: TermOutbox;
  runner: PlatformRunner;
  streams: StreamSet;
  /** Opens the streams the config wants (the agent's gate lets them open on a leader only). */
  startStreams(): number;
  cursors: Pick<SourceCursorStore, 'flush'>;
  loadCursors(): Promise<void>;
  retries: { succeeded(key: string): void };
  /** Webhooks as this replica handles them itself; forwarded ones are handed to it too. */
  webhook: NonNullable<HttpHandlers['webhook']>;
  forwardSubject: string;
  /** How long a graceful step-down keeps delivering (settings.ha.election.retryPeriod). */
  drainMs: number;
  log: Logger;
}

export interface HaTerms {
  /** Run through the agent's serial runner, so never inside a reload. */
  lead(term: number): Promise<void>;
  follow(reason: StepDownReason): Promise<void>;
  /** This term's platforms are up: webhooks may be handled here (before, an event would find no destination). */
  ready(): boolean;
}

/**
 * A replica's terms as leader. A term opens the shared runtime state, the shared queue (what the
 * last leader accepted is delivered), the platforms, the streams, then forwarded webhooks, and
 * gives up as soon as the term is over (follow() undoes what ran). It ends with delivery first,
 * then forwarded webhooks, streams and platforms.
 */
export function createHaTerms(parts: HaTermParts): HaTerms {
  const { live, log } = parts;
  let ready = false;
  let forwarded: { close(): Promise<void> } | undefined;

  async function lead(term: number): Promise<void> {
    const leadership = parts.leadership();
    if (!leadership || parts.stopped() || !leadership.isCurrent(term)) return;
    const cfg = live.config();
    const nc = await leadership.nats();
    if (!leadership.isCurrent(term)) return;
    const { openKvStateBackend } = await import('./runtime-state-kv.js');
    await live.loadState(
      await openKvStateBackend({
        connection: nc,
        bucket: 'switchboard-state',
        key: parts.consumer,
        replicas: cfg.settings.delivery.store.jetstream.replicas,
      }),
    );
    await parts.loadCursors();
    if (!leadership.isCurrent(term)) return;
    parts.outbox.begin();
    for (const instance of live.topology().platforms) {
      if (!parts.runner.slots.has(instance.id)) await parts.runner.start(instance);
      if (!leadership.isCurrent(term)) return;
    }
    parts.outbox.resume();
    const opened = parts.startStreams();
    ready = true;
    forwarded = serveForwardedWebhooks({ nc, subject: parts.forwardSubject, local: parts.webhook, log });
    log.info(
      { term, platforms: parts.runner.slots.size, streams: opened },
      'leading: sources, chat connections and delivery started',
    );
  }

  /**
   * After losing the lease (or its renewal) a successor may start soon: no new post starts. On a
   * graceful stop the lease is still held until this returns, so posts in flight finish and the
   * queue drains for one retry period (whatever is left, the successor delivers): fewer repeats
   * at a rolling update, a hand-over delayed by at most that. Not through the serial runner: a
   * reload in progress must not delay it; the agent's gates keep that reload from starting anything.
   */
  async function follow(reason: StepDownReason): Promise<void> {
    ready = false;
    const ending = forwarded;
    forwarded = undefined;
    await parts.outbox.end(reason === 'stopped' ? parts.drainMs : 0);
    await ending?.close();
    await parts.streams.stopAll();
    parts.streams.replace([]);
    // The successor resumes the streams from here.
    await parts.cursors.flush().catch(() => undefined);
    for (const id of [...parts.runner.slots.keys()]) {
      await parts.runner.stop(id);
      parts.retries.succeeded(`platform:${id}`);
    }
    log.info(
      { identity: parts.leadership()?.identity },
      'following: sources, chat connections and delivery stopped',
    );
  }

  return { lead, follow, ready: () => ready };
}
