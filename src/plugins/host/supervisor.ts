import { type BackoffPolicy, backoffDelay, defaultBackoff, sleep } from '../../core/backoff.js';
import { hasCode, PluginError } from '../../errors/switchboard-error.js';
import type { Logger } from '../../log/logger.js';
import type { PluginHandle } from './plugin-handle.js';
import { type LaunchOptions, launchPlugin, type PluginInstance } from './plugin-instance.js';
import { describeExit } from './process.js';

export type PluginState = 'starting' | 'running' | 'restarting' | 'stopped' | 'quarantined';

/** What `/status` and `list executors` show for one plugin. */
export interface PluginStatus {
  name: string;
  state: PluginState;
  pid?: number;
  appVersion?: number;
  autoMtls?: boolean;
  /** Restarts since the supervisor started. */
  restarts: number;
  /** Crashes inside the current quarantine window. */
  recentCrashes: number;
  lastError?: string;
  lastRestartAt?: string;
  startedAt?: string;
  uptimeMs: number;
  quarantineReason?: string;
  /** Log lines (and their bytes) dropped over the plugin's log limit since the supervisor started. */
  logDropped?: { lines: number; bytes: number };
  /** While it waits to restart after a crash or failed launch: when the next launch is due (ISO time). */
  nextRetryAt?: string;
}

export interface SupervisorOptions {
  launch: Omit<LaunchOptions, 'logger'>;
  logger: Logger;
  /** Health check interval (go-plugin Ping); 0 disables. */
  healthCheckIntervalMs?: number;
  healthCheckTimeoutMs?: number;
  /** Consecutive failed checks before the plugin counts as hung and is restarted. */
  healthCheckFailures?: number;
  backoff?: BackoffPolicy;
  /** A run longer than this resets the backoff. */
  stableAfterMs?: number;
  /** `maxCrashes` crashes within `windowMs` deactivate the plugin. */
  quarantine?: { maxCrashes: number; windowMs: number };
  /** Grace for Shutdown before SIGKILL. */
  stopGraceMs?: number;
  onStateChange?(status: PluginStatus): void;
}

/**
 * Keeps one plugin process alive: launches it, notices its exit at once and a
 * hang through health checks, restarts it with exponential backoff and jitter,
 * and deactivates it after a crash loop, with the reason in its status. Callers
 * get the current instance through {@link acquire}, which waits through restarts.
 */
export class PluginSupervisor implements PluginHandle {
  readonly name: string;
  readonly #options: SupervisorOptions;
  readonly #log: Logger;
  #state: PluginState = 'stopped';
  #instance: PluginInstance | undefined;
  #restarts = 0;
  #crashes: number[] = [];
  #attempt = 0;
  #lastError: string | undefined;
  #lastRestartAt: number | undefined;
  #quarantineReason: string | undefined;
  #logDropped = { lines: 0, bytes: 0 };
  #nextRetryAt: number | undefined;
  #waiters = new Set<() => void>();
  #stop = new AbortController();
  #loop: Promise<void> | undefined;
  #firstStart: { resolve: () => void; reject: (err: unknown) => void } | undefined;

  constructor(options: SupervisorOptions) {
    this.#options = options;
    this.name = options.launch.name;
    this.#log = options.logger.child({ component: 'plugin-supervisor', plugin: this.name });
  }

  /**
   * Starts supervising. Resolves once the plugin first runs; rejects with the
   * first launch failure, while restarts go on in the background (see status()).
   */
  start(): Promise<void> {
    if (this.#loop) throw new Error(`plugin ${this.name} is already supervised`);
    const first = new Promise<void>((resolve, reject) => {
      this.#firstStart = { resolve, reject };
    });
    this.#stop = new AbortController();
    this.#loop = this.#run();
    return first;
  }

  /** Clears a quarantine and starts again (operator action). */
  reactivate(): Promise<void> {
    if (this.#state !== 'quarantined' && this.#state !== 'stopped') return Promise.resolve();
    this.#crashes = [];
    this.#attempt = 0;
    this.#quarantineReason = undefined;
    this.#loop = undefined;
    return this.start();
  }

  async acquire(waitMs: number): Promise<PluginInstance> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (this.#state === 'running' && this.#instance && this.#instance.exit() === undefined)
        return this.#instance;
      if (this.#state === 'quarantined') {
        throw new PluginError(
          'SB_ERR_PLUGIN_QUARANTINED',
          `plugin ${this.name} is deactivated: ${this.#quarantineReason ?? 'crash loop'}`,
          { details: { plugin: this.name } },
        );
      }
      if (this.#state === 'stopped') {
        throw new PluginError('SB_ERR_PLUGIN_UNAVAILABLE', `plugin ${this.name} is stopped`, {
          details: { plugin: this.name },
        });
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new PluginError(
          'SB_ERR_PLUGIN_UNAVAILABLE',
          `plugin ${this.name} is ${this.#state} and was not ready within ${waitMs} ms` +
            (this.#lastError ? ` (last error: ${this.#lastError})` : ''),
          { details: { plugin: this.name, state: this.#state } },
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        const self = this;
        function done() {
          clearTimeout(timer);
          self.#waiters.delete(done);
          resolve();
        }
        this.#waiters.add(done);
      });
    }
  }

  status(): PluginStatus {
    const instance = this.#state === 'running' ? this.#instance : undefined;
    return {
      name: this.name,
      state: this.#state,
      ...(instance
        ? { pid: instance.pid, appVersion: instance.appVersion, autoMtls: instance.autoMtls }
        : {}),
      restarts: this.#restarts,
      recentCrashes: this.#recentCrashes(Date.now()),
      ...(this.#lastError ? { lastError: this.#lastError } : {}),
      ...(this.#lastRestartAt ? { lastRestartAt: new Date(this.#lastRestartAt).toISOString() } : {}),
      ...(instance ? { startedAt: new Date(instance.startedAt).toISOString() } : {}),
      uptimeMs: instance ? Date.now() - instance.startedAt : 0,
      ...(this.#quarantineReason ? { quarantineReason: this.#quarantineReason } : {}),
      ...(this.#logDropped.lines > 0 ? { logDropped: { ...this.#logDropped } } : {}),
      ...(this.#nextRetryAt ? { nextRetryAt: new Date(this.#nextRetryAt).toISOString() } : {}),
    };
  }

  /** Stops the plugin (Shutdown, grace, SIGKILL of its group) and the supervision. */
  async stop(): Promise<void> {
    this.#stop.abort();
    const instance = this.#instance;
    if (instance) await instance.stop(this.#options.stopGraceMs ?? 2000);
    await this.#loop;
    this.#loop = undefined;
    this.#setState('stopped');
  }

  #setState(state: PluginState): void {
    this.#state = state;
    for (const wake of [...this.#waiters]) wake();
    this.#options.onStateChange?.(this.status());
  }

  #recentCrashes(now: number): number {
    const windowMs = this.#options.quarantine?.windowMs ?? 600_000;
    this.#crashes = this.#crashes.filter((t) => now - t < windowMs);
    return this.#crashes.length;
  }

  async #run(): Promise<void> {
    const stopSignal = this.#stop.signal;
    while (!stopSignal.aborted) {
      this.#setState(this.#restarts === 0 && this.#attempt === 0 ? 'starting' : 'restarting');
      let instance: PluginInstance;
      try {
        instance = await launchPlugin({
          ...this.#options.launch,
          logger: this.#options.logger,
          onLogDropped: (drops) => {
            this.#logDropped.lines += drops.lines;
            this.#logDropped.bytes += drops.bytes;
            this.#options.launch.onLogDropped?.(drops);
          },
        });
      } catch (err) {
        this.#firstStart?.reject(err);
        this.#firstStart = undefined;
        if (await this.#afterCrash(errorText(err), stopSignal)) return;
        continue;
      }
      if (stopSignal.aborted) {
        await instance.stop(this.#options.stopGraceMs ?? 2000);
        return;
      }
      this.#instance = instance;
      this.#setState('running');
      this.#firstStart?.resolve();
      this.#firstStart = undefined;
      this.#log.info({ pid: instance.pid, appVersion: instance.appVersion }, 'plugin running');

      const reason = await this.#watch(instance, stopSignal);
      if (stopSignal.aborted) return;
      if (Date.now() - instance.startedAt > (this.#options.stableAfterMs ?? 60_000)) this.#attempt = 0;
      if (await this.#afterCrash(reason, stopSignal)) return;
    }
  }

  /** Waits until the instance exits or stops answering health checks; returns why. */
  async #watch(instance: PluginInstance, stopSignal: AbortSignal): Promise<string> {
    const interval = this.#options.healthCheckIntervalMs ?? 10_000;
    const timeout = this.#options.healthCheckTimeoutMs ?? 2000;
    const maxFailures = this.#options.healthCheckFailures ?? 2;
    const exited = instance.exited.then((exit) => {
      const tail = exit.stderrTail.slice(-3).join(' | ');
      return `exited (${describeExit(exit)})${tail ? `: ${tail}` : ''}`;
    });
    if (interval <= 0) return exited;
    let failures = 0;
    for (;;) {
      const tick = await Promise.race([exited, sleep(interval, stopSignal).then(() => undefined)]);
      if (typeof tick === 'string') return tick;
      if (stopSignal.aborted) return exited;
      try {
        await instance.ping({ deadlineMs: timeout });
        failures = 0;
      } catch (err) {
        if (instance.exit() !== undefined || hasCode(err, 'SB_ERR_PLUGIN_EXITED')) return exited;
        failures += 1;
        this.#log.warn({ failures, err: errorText(err) }, 'plugin health check failed');
        if (failures >= maxFailures) {
          await instance.kill();
          return `stopped answering health checks (${failures} failed, last: ${errorText(err)})`;
        }
      }
    }
  }

  /** Records a crash; quarantines or waits the backoff. True when supervision ends. */
  async #afterCrash(reason: string, stopSignal: AbortSignal): Promise<boolean> {
    if (stopSignal.aborted) return true;
    const now = Date.now();
    this.#crashes.push(now);
    this.#lastError = reason;
    this.#instance = undefined;
    const limit = this.#options.quarantine ?? { maxCrashes: 5, windowMs: 600_000 };
    if (this.#recentCrashes(now) >= limit.maxCrashes) {
      this.#quarantineReason =
        `crashed ${this.#crashes.length} times within ${Math.round(limit.windowMs / 1000)} s; ` +
        `last: ${reason}. Fix the plugin or its config, then reactivate it`;
      this.#log.error({ reason: this.#quarantineReason }, 'plugin deactivated after a crash loop');
      this.#setState('quarantined');
      return true;
    }
    this.#attempt += 1;
    const delay = backoffDelay(this.#options.backoff ?? defaultBackoff, this.#attempt);
    this.#log.warn({ reason, restartInMs: delay, attempt: this.#attempt }, 'plugin crashed; restarting');
    this.#nextRetryAt = Date.now() + delay;
    this.#setState('restarting');
    await sleep(delay, stopSignal);
    this.#nextRetryAt = undefined;
    if (stopSignal.aborted) return true;
    this.#restarts += 1;
    this.#lastRestartAt = Date.now();
    return false;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
