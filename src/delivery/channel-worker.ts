import { createHash } from 'node:crypto';
import { ChannelGate } from './channel-gate.js';
import { ChannelReport } from './channel-report.js';
import type { Batch, ChannelWorkerOptions, Leftover } from './channel-worker-types.js';
import type { Destination, Outbound, PostedRef } from './destination.js';
import { digestBatch } from './digest-batch.js';
import { EditCollapse } from './edit-collapse.js';
import { EventDedup } from './event-dedup.js';
import { decideAfterFailure } from './failure-policy.js';
import { Overflow, SinkDrops } from './overflow.js';
import type { QueuedDelivery, QueueKey, QueueLane } from './queue.js';
import { type Resolve, Waiters } from './waiters.js';

export type { ChannelWorkerOptions, Leftover } from './channel-worker-types.js';

/**
 * Once queued events have waited this long, they get every other token even while replies
 * or streaming edits keep coming, so a long-running command cannot starve a channel's alerts.
 */
const eventMaxWaitMs = 2000;
/** How far a digest is shrunk after "too large" answers (halved each time). */
const minDigestScale = 1 / 8;

/**
 * Delivers the messages of one channel (or one sink), one at a time and in order: replies
 * first, then events, merged into a digest when several wait; paced by the destination's token
 * bucket; paused for as long as a rate limit says; retried with backoff on transient failures.
 */
export class ChannelWorker {
  readonly key: QueueKey;
  readonly #o: ChannelWorkerOptions;
  readonly #report: ChannelReport;
  readonly #waiters = new Waiters();
  readonly #edits = new EditCollapse();
  readonly #dedup: EventDedup;
  readonly #overflow = new Overflow();
  readonly #gate: ChannelGate;
  readonly #inFlight = new Set<Batch>();
  /** Ids of the queued items being sent (a sink may have several deliveries in flight). */
  readonly #sending = new Set<number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastLane: QueueLane = 'event';
  #digestScale = 1;
  #abandoned = false;
  readonly #sinkDrops: SinkDrops;
  #idle: (() => void)[] = [];

  constructor(options: ChannelWorkerOptions) {
    this.#o = options;
    this.key = options.key;
    this.#report = new ChannelReport(options.key, options.log, options.metrics);
    this.#gate = new ChannelGate(options.log, options.key.destinationId);
    const { perChannel } = options.settings.queueLimit;
    this.#sinkDrops = new SinkDrops((dropped) => this.#report.sinkDropped(dropped, perChannel));
    this.#dedup = new EventDedup(
      options.settings.dedupWindow.ms,
      Math.max(1000, options.settings.queueLimit.perChannel * 2),
      (id) => options.queue.get(id),
    );
    for (const key of options.posted ?? [])
      this.#dedup.remember(key.dedupKey, key.channelId, key.sources, key.postedAt);
    // Items a durable store recovered are already in the queue: account for them like new ones.
    const queue = options.queue;
    const replies = queue.peek('reply', queue.size('reply'));
    const events = queue.peek('event', queue.size('event'));
    const at = Date.now();
    for (const item of replies) this.#edits.queued(item);
    for (const item of events) this.#dedup.queued(item, at);
    if (replies.length + events.length > 0) options.onDepth(events.length, replies.length);
  }

  /** Starts delivering what the queue already holds (items recovered after a restart). */
  start(): void {
    this.#pump();
  }

  /** When the oldest event that could still be dropped was queued; undefined when there is none. */
  oldestEvent(): number | undefined {
    return this.#head('event')?.enqueuedAt;
  }

  /**
   * Drops the oldest event not being sent, to make room at the store's size cap: it is counted
   * like an event past the queue bound (reported in the next digest, or logged for a sink).
   * Returns false when there was none.
   */
  evictOldest(now = Date.now()): boolean {
    const head = this.#head('event');
    if (!head) return false;
    this.#o.queue.remove([head.id], 'abandoned');
    this.#o.onDepth(-1, 0);
    this.#dedup.forget([head]);
    this.#waiters.settle(head.id, undefined);
    this.#fold(head.outbound, now, head.enqueuedAt, true);
    return true;
  }

  /** Messages waiting (both lanes). */
  depth(): number {
    return this.#o.queue.size();
  }

  /** Queues one message; resolves with where it was posted, or undefined when it was not. */
  enqueue(outbound: Outbound, now = Date.now()): Promise<PostedRef | undefined> {
    return new Promise((resolve) => this.accept(outbound, resolve, now));
  }

  /**
   * Queues one message without a promise: `done`, when given, is called once with what
   * `enqueue` would resolve with (at once for a duplicate already posted or a folded event).
   */
  accept(outbound: Outbound, done: Resolve | undefined, now = Date.now()): void {
    if (outbound.kind === 'event') {
      this.#enqueueEvent(outbound, now, done);
      return;
    }
    const replaced = this.#edits.replace(outbound);
    if (replaced) {
      // Only the newest text of a message matters; the older edit's caller learns when it is shown.
      this.#o.queue.put(replaced);
      this.#report.editCollapsed();
      if (done) this.#waiters.listen(replaced.id, done);
      return;
    }
    const item: QueuedDelivery = { id: this.#o.nextId(), lane: 'reply', outbound, enqueuedAt: now };
    this.#o.queue.put(item);
    this.#edits.queued(item);
    this.#o.onDepth(0, 1);
    this.#listenAndPump(item.id, done);
  }

  /** Resolves once nothing is queued, in flight or unreported. */
  whenIdle(): Promise<void> {
    if (this.#inFlight.size === 0 && !this.#hasWork()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Stops delivering: the timer is cleared and every waiting caller gets undefined. Items stay
   * in the queue (a durable backend would deliver them after a restart). Returns what was left.
   */
  abandon(): Leftover {
    this.#abandoned = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiters.abandon();
    for (const resolve of this.#idle.splice(0)) resolve();
    return {
      replies: this.#o.queue.size('reply'),
      events: this.#o.queue.size('event'),
      overflow: this.#o.kind === 'sink' ? this.#sinkDrops.unlogged : this.#overflow.count,
    };
  }

  #enqueueEvent(outbound: Outbound, now: number, done: Resolve | undefined): void {
    const verdict = this.#dedup.check(outbound, now);
    if (verdict.duplicate) {
      this.#report.duplicate();
      if (verdict.posted) done?.(verdict.ref);
      else {
        if (verdict.merged) this.#o.queue.put(verdict.merged);
        if (done) this.#waiters.listen(verdict.itemId, done);
      }
      return;
    }
    if (!this.#o.room(this.#o.queue.size('event'))) {
      this.#fold(outbound, now);
      done?.(undefined);
      return;
    }
    const id = this.#o.nextId();
    const keyed =
      this.#o.kind === 'sink'
        ? { ...verdict.outbound, idempotencyKey: itemKey(this.#o.key.destinationId, id, now) }
        : verdict.outbound;
    const item: QueuedDelivery = { id, lane: 'event', outbound: keyed, enqueuedAt: now };
    this.#o.queue.put(item);
    this.#dedup.queued(item, now);
    this.#o.onDepth(1, 0);
    this.#listenAndPump(item.id, done);
  }

  /** The queue is full: the event is only counted (and, for chat, reported in the next digest). */
  #fold(outbound: Outbound, now: number, since = now, atCap = false): void {
    if (this.#o.kind === 'sink') {
      this.#report.folded(false, this.#o.settings.queueLimit);
      this.#sinkDrops.add(now);
      return;
    }
    const first = this.#overflow.count === 0 && ![...this.#inFlight].some((b) => b.overflow?.count);
    this.#report.folded(first, this.#o.settings.queueLimit);
    this.#overflow.add(outbound.sources, since, atCap);
    this.#pump();
  }

  #listenAndPump(id: number, done: Resolve | undefined): void {
    if (done) this.#waiters.listen(id, done);
    this.#pump();
  }

  /** Something is queued and not being sent, or an overflow waits to be reported. */
  #hasWork(): boolean {
    return this.#o.queue.size() > this.#sending.size || (this.#o.kind === 'chat' && this.#overflow.count > 0);
  }

  /** The first item of `lane` that is not being sent. */
  #head(lane: QueueLane): QueuedDelivery | undefined {
    if (this.#sending.size === 0) return this.#o.queue.peek(lane, 1)[0];
    return this.#o.queue.peek(lane, this.#sending.size + 1).find((item) => !this.#sending.has(item.id));
  }

  /**
   * Starts the next batch when the channel may send, otherwise sets a timer for when it may.
   * A chat channel has one message in flight; a sink up to `sinkConcurrency` events.
   */
  #pump(): void {
    const limit = this.#o.kind === 'sink' ? this.#o.settings.sinkConcurrency : 1;
    while (!this.#timer && !this.#abandoned && this.#inFlight.size < limit) {
      const now = Date.now();
      if (!this.#hasWork()) {
        if (this.#inFlight.size > 0) return;
        this.#sinkDrops.flush(now);
        for (const resolve of this.#idle.splice(0)) resolve();
        return;
      }
      const destination = this.#o.destination();
      let at = this.#gate.nextAt(destination, now);
      const eventHead = this.#head('event');
      if (eventHead && !this.#head('reply')) {
        // A short hold lets a burst, or the same event from another source group, go out as one message.
        at = Math.max(at, eventHead.enqueuedAt + this.#o.settings.groupWait.ms);
      }
      if (at > now) {
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.#pump();
        }, at - now);
        return;
      }
      const batch = this.#nextBatch(now, destination);
      if (!batch) continue;
      batch.spent = this.#gate.spend(now);
      this.#inFlight.add(batch);
      for (const item of batch.items) this.#sending.add(item.id);
      void this.#deliver(batch, destination);
    }
  }

  /** Picks what goes next; undefined when a stale edit was folded away instead. */
  #nextBatch(now: number, destination: Destination | undefined): Batch | undefined {
    const queue = this.#o.queue;
    const replyHead = this.#head('reply');
    const eventHead = this.#head('event');
    const overflow = this.#o.kind === 'chat' ? this.#overflow.count : 0;
    const eventSince = eventHead?.enqueuedAt ?? (overflow > 0 ? this.#overflow.since : undefined);
    const starving =
      eventSince !== undefined && this.#lastLane === 'reply' && now - eventSince >= eventMaxWaitMs;
    if (replyHead && !starving) return this.#replyBatch(replyHead);
    // Events merge into a digest only when they outpace the channel: while the budget covers
    // every waiting event, each goes as its own message with its full rendering.
    const waiting = queue.size('event');
    if (
      eventHead &&
      overflow === 0 &&
      (this.#o.kind === 'sink' || waiting === 1 || waiting <= this.#gate.tokens(destination, now))
    ) {
      this.#dedup.sending([eventHead]);
      return { lane: 'event', items: [eventHead], outbound: eventHead.outbound };
    }
    const taken = this.#overflow.take();
    const digest = digestBatch({
      key: this.key,
      waiting: queue.peek('event', this.#o.settings.queueLimit.perChannel),
      overflow: taken,
      destination,
      scale: this.#digestScale,
      now,
      summaries: this.#o.summaries,
    });
    this.#dedup.sending(digest.items);
    return { lane: 'event', items: digest.items, outbound: digest.outbound, overflow: taken };
  }

  #replyBatch(head: QueuedDelivery): Batch | undefined {
    const newer = this.#edits.take(head);
    if (!newer) return { lane: 'reply', items: [head], outbound: head.outbound };
    // A newer edit of the same message is queued (this one failed once): send only that.
    this.#waiters.move(head.id, newer.id);
    this.#o.queue.remove([head.id], 'abandoned');
    this.#o.onDepth(0, -1);
    this.#report.editCollapsed();
    return undefined;
  }

  async #deliver(batch: Batch, destination: Destination | undefined): Promise<void> {
    if (!destination) {
      const err = new Error(`no destination ${this.key.destinationId} is configured`);
      this.#drop(batch, 'unknown-channel', err, false);
      return;
    }
    let ref: PostedRef | undefined;
    try {
      ref = await destination.deliver(batch.outbound);
    } catch (err) {
      this.#gate.answered(batch.spent, Date.now());
      if (!this.#abandoned) this.#failed(batch, err);
      return;
    }
    this.#gate.answered(batch.spent, Date.now());
    // Callers tell "delivered" from "not" by a defined answer, also where a sink has no message id.
    if (!this.#abandoned)
      this.#succeeded(
        batch,
        ref ?? batch.outbound.replaces ?? { channelId: this.key.channelId, messageId: '' },
      );
  }

  #succeeded(batch: Batch, ref: PostedRef | undefined): void {
    this.#finish(batch, 'posted');
    this.#gate.reset();
    this.#dedup.posted(batch.items, ref);
    for (const item of batch.items) this.#waiters.settle(item.id, ref);
    this.#report.posted(batch.items, Date.now(), batch.overflow && { overflow: batch.overflow.count });
    this.#pump();
  }

  #failed(batch: Batch, err: unknown): void {
    const now = Date.now();
    this.#unsend(batch);
    if (batch.overflow) this.#overflow.restore(batch.overflow);
    this.#dedup.requeued(batch.items);
    for (const item of batch.items) this.#edits.requeued(item);
    const oldest = batch.items.reduce(
      (min, item) => Math.min(min, item.enqueuedAt),
      batch.overflow?.count ? batch.overflow.since : now,
    );
    const { reason, decision } = decideAfterFailure({
      err,
      attempts: this.#gate.attempts,
      rateLimits: this.#gate.rateLimits,
      oldestEnqueuedAt: oldest,
      now,
      canShrink: !!batch.overflow && this.#digestScale > minDigestScale,
      retry: this.#o.settings.retry,
      ...(this.#o.random ? { random: this.#o.random } : {}),
    });
    switch (decision.action) {
      case 'pause':
        // Never dropped, never retried blindly: the channel waits as long as the platform asks.
        this.#gate.pause(decision.ms, now);
        this.#report.rateLimited(decision.ms);
        break;
      case 'retry': {
        const first = this.#gate.backOff(decision.ms, now) && this.#gate.attempts === 1;
        this.#report.retrying(reason, this.#gate.attempts, decision.ms, err, first);
        break;
      }
      case 'shrink':
        this.#digestScale /= 2;
        this.#report.shrunk(this.#digestScale);
        break;
      case 'drop':
        this.#drop(batch, reason, err, decision.expired);
        return;
    }
    this.#pump();
  }

  #drop(batch: Batch, reason: string, err: unknown, expired: boolean): void {
    this.#finish(batch, 'abandoned');
    this.#gate.reset();
    this.#dedup.forget(batch.items);
    for (const item of batch.items) this.#waiters.settle(item.id, undefined);
    const events = batch.lane === 'event' ? batch.items.length + (batch.overflow?.count ?? 0) : undefined;
    this.#report.dropped(batch.lane, events, reason, err, expired);
    this.#pump();
  }

  #unsend(batch: Batch): void {
    this.#inFlight.delete(batch);
    for (const item of batch.items) this.#sending.delete(item.id);
  }

  /** The batch is settled (posted or dropped): it leaves the queue. */
  #finish(batch: Batch, outcome: 'posted' | 'abandoned'): void {
    this.#unsend(batch);
    this.#lastLane = batch.lane;
    this.#o.queue.remove(
      batch.items.map((i) => i.id),
      outcome,
    );
    if (batch.lane === 'event') this.#o.onDepth(-batch.items.length, 0);
    else this.#o.onDepth(0, -batch.items.length);
  }
}

/**
 * An item's idempotency key: its id alone repeats once a drained queue numbers from 1 again
 * after a restart, so the time it was queued goes in too.
 */
function itemKey(destinationId: string, id: number, enqueuedAt: number): string {
  return createHash('sha256').update(`${destinationId}\0${enqueuedAt}\0${id}`).digest('hex').slice(0, 32);
}
