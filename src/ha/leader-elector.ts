import { SwitchboardError } from '../errors/switchboard-error.js';
import type { Logger } from '../log/logger.js';
import { type ElectionTimings, resolveTimings, retryJitter } from './election-timings.js';
import type { LeaseLock } from './lease-lock.js';

/** Why a leader stopped leading. */
export type StepDownReason =
  /** No renewal succeeded within renewDeadline (partition, store down): given up before the lease expires. */
  | 'renew-deadline'
  /** A renewal found another holder or lost a concurrent write. */
  | 'lost'
  /** {@link LeaderElector.stop} was called; the lease was released afterwards. */
  | 'stopped';

/** What the application is told; all optional. */
export interface ElectionCallbacks {
  /** This replica holds the lease: start the work only one replica may do. */
  onStartedLeading?: () => void;
  /**
   * This replica no longer holds the lease: stop that work now. Called before the lease is
   * released on stop(), and stop() awaits a returned promise first, so a successor cannot start
   * while this replica still acts. On a step-down it is not awaited (the lease is running out).
   */
  onStoppedLeading?: (reason: StepDownReason) => void | Promise<void>;
  /** The holder changed as this replica saw it (itself included); `undefined` when nobody holds it. */
  onNewLeader?: (identity: string | undefined) => void;
  /** An attempt failed with a refusal worth an operator's attention (403, wrong bucket); retried regardless. */
  onError?: (err: SwitchboardError) => void;
}

export interface LeaderElectorOptions {
  /** This replica's name in the lease (pod name); unique among the replicas. */
  identity: string;
  lock: LeaseLock;
  timings?: Partial<ElectionTimings>;
  callbacks?: ElectionCallbacks;
  log: Logger;
  /** [0, 1) source for retry jitter (tests). */
  random?: () => number;
}

/** A running election; see {@link createLeaderElector}. */
export interface LeaderElector {
  /** Starts campaigning; call once. */
  start(): void;
  /**
   * Stops campaigning; a leader calls onStoppedLeading('stopped') (awaited), then clears the
   * holder so a successor takes over at its next attempt instead of after leaseDuration.
   */
  stop(): Promise<void>;
  readonly isLeader: boolean;
  /** The holder this replica last saw. */
  readonly leader: string | undefined;
}

type State = 'idle' | 'follower' | 'leader' | 'stopped';

/** Runs the client-go election loop (acquire, renew, step down, release) over any {@link LeaseLock}. */
export function createLeaderElector(options: LeaderElectorOptions): LeaderElector {
  if (options.identity.trim() === '')
    throw new SwitchboardError(
      'SB_ERR_HA_ELECTION',
      'leader election: identity is empty; expected a unique replica name (the pod name).',
    );
  const timings = resolveTimings(`leader election (${options.lock.description})`, options.timings);
  return new Elector(options, timings);
}

class Elector implements LeaderElector {
  readonly #identity: string;
  readonly #lock: LeaseLock;
  readonly #timings: ElectionTimings;
  readonly #callbacks: ElectionCallbacks;
  readonly #log: Logger;
  readonly #random: () => number;
  #state: State = 'idle';
  #leader: string | undefined;
  #running: Promise<void> | undefined;
  readonly #stop = new AbortController();
  /** Aborts the leader's in-flight renewal when it steps down. */
  #term: AbortController | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #unwatch: (() => void) | undefined;
  #lastError: string | undefined;
  /** A campaign won just as stop() was called: nothing acted on it, but the lease is still ours to release. */
  #wonWhileStopping = false;

  constructor(options: LeaderElectorOptions, timings: ElectionTimings) {
    this.#identity = options.identity;
    this.#lock = options.lock;
    this.#timings = timings;
    this.#callbacks = options.callbacks ?? {};
    this.#log = options.log;
    this.#random = options.random ?? Math.random;
  }

  get isLeader(): boolean {
    return this.#state === 'leader';
  }

  get leader(): string | undefined {
    return this.#leader;
  }

  start(): void {
    if (this.#state !== 'idle') throw new Error('leader elector: start() called twice');
    this.#state = 'follower';
    this.#unwatch = this.#lock.watch?.(() => this.#wake?.());
    this.#log.info(
      { lock: this.#lock.description, identity: this.#identity, ...this.#timings },
      'leader election started',
    );
    this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasLeader = this.#state === 'leader';
    this.#stop.abort();
    this.#wake?.();
    this.#unwatch?.();
    this.#clearDeadline();
    this.#term?.abort();
    // A leader stops acting first: between here and the release nobody else can take the lease.
    if (wasLeader) this.#state = 'follower';
    await this.#running;
    this.#state = 'stopped';
    if (!wasLeader && !this.#wonWhileStopping) return;
    if (wasLeader) {
      try {
        await this.#callbacks.onStoppedLeading?.('stopped');
      } catch (err) {
        this.#log.warn({ err }, 'leader election: onStoppedLeading failed; releasing the lease anyway');
      }
    }
    try {
      await this.#lock.release(AbortSignal.timeout(this.#timings.renewDeadlineMs));
      this.#log.info({ lock: this.#lock.description }, 'leader lease released');
    } catch (err) {
      this.#log.warn(
        { err, lock: this.#lock.description },
        'leader lease release failed; others take it when it expires',
      );
    }
  }

  async #loop(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      if (this.#state === 'leader') {
        await this.#sleep(this.#timings.retryPeriodMs, false);
        // The deadline may have fired while sleeping (a renewal before failed).
        if (this.isLeader && !this.#stop.signal.aborted) await this.#renew();
      } else {
        await this.#campaign();
        if (!this.isLeader)
          await this.#sleep(this.#timings.retryPeriodMs * (1 + retryJitter * this.#random()), true);
      }
    }
  }

  async #campaign(): Promise<void> {
    const startedAt = performance.now();
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#timings.renewDeadlineMs)]);
    let observation: Awaited<ReturnType<LeaseLock['attempt']>>;
    try {
      observation = await this.#lock.attempt(signal);
    } catch (err) {
      this.#failed(err);
      return;
    }
    this.#succeeded();
    this.#observe(observation.holder);
    if (!observation.leading) return;
    if (this.#stop.signal.aborted) {
      this.#wonWhileStopping = true;
      return;
    }
    this.#state = 'leader';
    this.#term = new AbortController();
    this.#armDeadline(startedAt);
    this.#log.info({ lock: this.#lock.description, identity: this.#identity }, 'started leading');
    this.#callbacks.onStartedLeading?.();
  }

  async #renew(): Promise<void> {
    const startedAt = performance.now();
    const term = this.#term as AbortController;
    let observation: Awaited<ReturnType<LeaseLock['attempt']>>;
    try {
      observation = await this.#lock.attempt(term.signal);
    } catch (err) {
      // Stepped down meanwhile (deadline or stop): the abort is the expected outcome.
      if (this.#state === 'leader') this.#failed(err);
      return;
    }
    // A renewal that lands after the deadline fired changes nothing: this replica stays
    // stepped down and campaigns again, taking the lease back if nobody else has.
    if (this.#state !== 'leader') return;
    this.#succeeded();
    this.#observe(observation.holder);
    if (observation.leading) {
      this.#armDeadline(startedAt);
      return;
    }
    this.#stepDown('lost');
  }

  // The deadline counts from the start of the last good renewal: the store may have written it
  // at any moment after that, so others' expiry (≥ write + leaseDuration) is always later.
  #armDeadline(renewStartedAt: number): void {
    this.#clearDeadline();
    const wait = Math.max(0, renewStartedAt + this.#timings.renewDeadlineMs - performance.now());
    this.#deadline = setTimeout(() => this.#stepDown('renew-deadline'), wait);
  }

  #clearDeadline(): void {
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }

  #stepDown(reason: StepDownReason): void {
    if (this.#state !== 'leader') return;
    this.#state = 'follower';
    this.#clearDeadline();
    this.#term?.abort();
    this.#term = undefined;
    this.#log.warn({ lock: this.#lock.description, identity: this.#identity, reason }, 'stopped leading');
    try {
      const result = this.#callbacks.onStoppedLeading?.(reason);
      if (result instanceof Promise)
        result.catch((err: unknown) => this.#log.warn({ err }, 'leader election: onStoppedLeading failed'));
    } catch (err) {
      this.#log.warn({ err }, 'leader election: onStoppedLeading failed');
    }
    this.#wake?.();
  }

  #observe(holder: string | undefined): void {
    if (holder === this.#leader) return;
    this.#leader = holder;
    this.#log.info({ lock: this.#lock.description, leader: holder ?? null }, 'leader observed');
    this.#callbacks.onNewLeader?.(holder);
  }

  // Each distinct failure is logged (and reported) once, not every retry period.
  #failed(err: unknown): void {
    if (this.#stop.signal.aborted) return;
    const message = (err as Error).message;
    if (message === this.#lastError) return;
    this.#lastError = message;
    this.#log.warn({ err, lock: this.#lock.description }, 'leader lease attempt failed; retrying');
    if (err instanceof SwitchboardError) this.#callbacks.onError?.(err);
  }

  #succeeded(): void {
    if (this.#lastError === undefined) return;
    this.#lastError = undefined;
    this.#log.info({ lock: this.#lock.description }, 'leader lease reachable again');
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#stop.signal.removeEventListener('abort', done);
        if (this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#stop.signal.addEventListener('abort', done);
      if (wakeable) this.#wake = done;
    });
  }
}
