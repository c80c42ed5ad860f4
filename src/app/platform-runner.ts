import type { Bot } from '../bots/bot.js';
import { unimplementedPlatforms } from '../config/platform-checks.js';
import type { Config } from '../config/schema.js';
import type { InboundCommand } from '../core/inbound-command.js';
import type { Destination } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';
import { type PlatformSlot, slotFor, stopSlot } from './platform-slot.js';
import type { RetryBook } from './retry-book.js';
import type { PlatformInstance } from './topology.js';
import { unavailableDestination } from './unavailable-destination.js';

export interface PlatformRunnerOptions {
  /**
   * False while this replica must not run platforms (an HA follower): start does nothing, and a
   * platform whose start was under way when it turned false is stopped again.
   */
  active?: () => boolean;
  /** Makes the bot or sink of an instance; undefined when this build has none for it. */
  create(instance: PlatformInstance): Bot | Destination | undefined | Promise<Bot | Destination | undefined>;
  /** Where a started bot's commands go. */
  onCommand(command: InboundCommand): void;
  /** Records platforms that could not start (`platform:<id>`) for retries. */
  retries: RetryBook;
  /** The agent's log: platform start failures are agent events. */
  log: Logger;
}

/**
 * Creates, starts and stops the platforms, and knows the enabled ones this build does not run.
 * A platform that fails to start is retried with backoff; a bot that failed leaves a stand-in
 * that keeps its messages queued for when it is back.
 */
export class PlatformRunner {
  readonly #slots = new Map<string, PlatformSlot>();
  #unsupported = new Map<string, string>();
  readonly #options: PlatformRunnerOptions;

  constructor(options: PlatformRunnerOptions) {
    this.#options = options;
  }

  /** Running platforms (and stand-ins) by ID. */
  get slots(): ReadonlyMap<string, PlatformSlot> {
    return this.#slots;
  }

  /** Enabled platforms this build does not run, by ID, with the reason. */
  get unsupported(): ReadonlyMap<string, string> {
    return this.#unsupported;
  }

  async start(instance: PlatformInstance): Promise<void> {
    const { retries, log } = this.#options;
    const active = this.#options.active ?? (() => true);
    if (!active()) return;
    const key = `platform:${instance.id}`;
    let platform: Bot | Destination | undefined;
    try {
      platform = await this.#options.create(instance);
    } catch (err) {
      this.#failed(instance.id, err);
      return;
    }
    if (!platform) {
      if (!this.#unsupported.has(instance.id)) {
        const reason = `this build has no ${instance.platform} platform`;
        this.#unsupported.set(instance.id, reason);
        log.warn({ platform: instance.id, reason }, 'platform is not supported; it does not run');
      }
      return;
    }
    const slot = slotFor(instance.kind, platform);
    this.#slots.set(instance.id, slot);
    if (slot.role !== 'bot') {
      retries.succeeded(key);
      return;
    }
    const bot = slot.destination;
    try {
      await bot.start((command) => {
        const mentionPattern = bot.mentionPattern();
        this.#options.onCommand(mentionPattern ? { ...command, mentionPattern } : command);
      });
      if (!active() || this.#slots.get(instance.id) !== slot) {
        // Stepped down while connecting, or stopped (and maybe started again by a new term)
        // meanwhile: this connection is nobody's, and a follower must hold none.
        await stopSlot(slot).catch(() => undefined);
        if (this.#slots.get(instance.id) === slot) this.#slots.delete(instance.id);
        return;
      }
      retries.succeeded(key);
    } catch (err) {
      await stopSlot(slot).catch(() => undefined);
      // A start that was already abandoned (see above) must not replace what runs now.
      if (this.#slots.get(instance.id) !== slot) return;
      if (!active()) {
        this.#slots.delete(instance.id);
        return;
      }
      this.#slots.set(instance.id, {
        role: 'stand-in',
        destination: unavailableDestination(platform, () => retries.get(key)?.reason ?? 'starting'),
      });
      this.#failed(instance.id, err);
    }
  }

  /** Stops the platform (bots disconnect, sinks flush) and forgets it. */
  async stop(id: string): Promise<void> {
    await stopSlot(this.#slots.get(id));
    this.#slots.delete(id);
  }

  /**
   * Takes the enabled platforms Switchboard does not run from `cfg`, keeping those of `platformIds`
   * found earlier; each new one is named once in the log.
   */
  noteUnsupported(cfg: Config, platformIds: readonly string[]): void {
    const next = new Map(unimplementedPlatforms(cfg).map((p) => [p.id, p.reason]));
    const kept = new Set(platformIds);
    for (const [id, reason] of this.#unsupported) if (kept.has(id) && !next.has(id)) next.set(id, reason);
    for (const [id, reason] of next) {
      if (!this.#unsupported.has(id))
        this.#options.log.warn({ platform: id, reason }, 'platform is not supported; it does not run');
    }
    this.#unsupported = next;
  }

  /** Forgets unsupported platforms the config no longer has. */
  keepUnsupported(platformIds: readonly string[]): void {
    const kept = new Set(platformIds);
    for (const [id] of this.#unsupported) if (!kept.has(id)) this.#unsupported.delete(id);
  }

  #failed(id: string, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    // A sink whose settings are wrong cannot get better by waiting; a config change restarts it.
    const retry = (err as { code?: string }).code !== 'SB_ERR_SINK_CONFIG';
    const { nextRetryAt } = this.#options.retries.failed(`platform:${id}`, reason, retry);
    this.#options.log.warn({ platform: id, err: reason, nextRetryAt }, 'platform could not start');
  }
}
