import type { Bot } from '../../src/bots/bot.js';
import type { Message } from '../../src/contract/message.js';
import type { BotStatus } from '../../src/core/bot-status.js';
import type { InboundCommand } from '../../src/core/inbound-command.js';
import type {
  DestinationCapabilities,
  Outbound,
  PacingPolicy,
  PostedRef,
} from '../../src/delivery/destination.js';
import { digestEventCount } from '../../src/delivery/digest.js';

/** One message the bench bot was given, as the delivery pipeline sent it. */
export interface Received {
  /** Date.now() and performance.now() when `deliver` was called. */
  at: number;
  perf: number;
  /** Events the message stands for: 1, or a digest's header count (details dropped included). */
  events: number;
  message: Message;
  /** The digest's attached file (one line per event), when it has one. */
  file?: Uint8Array;
}

/** A fixture event found in a message: `tick <i> from …`, with its emit time when the line carries one. */
export interface Tick {
  i: number;
  /** Epoch ms the source stamped on the event (`message.timestamp`); absent on a digest's inline lines. */
  emittedAt?: number;
}

/**
 * The test platform: an idle chat bot that records every message and resolves at once. Without
 * `pacing` it is unpaced like the console (one message at a time per channel); with it, the
 * pipeline holds it to that budget as it does a Slack bot.
 */
export class BenchBot implements Bot {
  readonly kind = 'chat' as const;
  readonly capabilities: DestinationCapabilities = {
    edit: true,
    files: true,
    threads: true,
    interactive: true,
    maxMessageLength: 4000,
  };
  readonly received: Received[] = [];
  /** Events represented so far (a digest counts as its header's count). */
  represented = 0;
  onDeliver: (() => void) | undefined;
  #started = false;

  constructor(
    readonly id: string,
    readonly pacing?: PacingPolicy,
  ) {}

  async deliver(outbound: Outbound): Promise<PostedRef> {
    const perf = performance.now();
    const events = digestEventCount(outbound.message) ?? 1;
    this.received.push({
      at: Date.now(),
      perf,
      events,
      message: outbound.message,
      ...(outbound.file ? { file: outbound.file.content } : {}),
    });
    this.represented += events;
    this.onDeliver?.();
    return { channelId: outbound.address.channelId, messageId: String(this.received.length) };
  }

  async start(_onCommand: (command: InboundCommand) => void): Promise<void> {
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#started = false;
  }

  status(): BotStatus {
    return { state: this.#started ? 'connected' : 'stopped', reconnects: 0 };
  }

  mentionPattern(): RegExp {
    return /^@switchboard\b/i;
  }

  /** Resolves once `n` events are represented; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onDeliver = undefined;
        reject(new Error(`only ${this.represented} of ${n} events represented in ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        if (this.represented < n) return;
        clearTimeout(timer);
        this.onDeliver = undefined;
        resolve();
      };
      this.onDeliver = check;
      check();
    });
  }
}

const singlePattern = /^tick (\d+) /;
/** A line of a digest's file: `<ISO time> [<sources>] tick <i> from …` (every event, ms precision). */
const fileLinePattern = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[[^\]]*\] tick (\d+) from /;
/** A digest line in the message: `[N× ]<HH:MM:SS> [<sources>] tick <i> from …` (second precision only). */
const inlinePattern = /^(?:(\d[\d,]*)× )?.*?\btick (\d+) from /;

const epochMs = (t: Date | string | undefined) => {
  const ms = t === undefined ? Number.NaN : new Date(t).getTime();
  return Number.isFinite(ms) ? ms : undefined;
};

/**
 * The fixture events a message details, in order. A single event is its own text; a digest with
 * a file lists every event there with its emit time (the message then shows only the largest
 * groups, so only the file is read); a digest without one lists its events inline, where times
 * have whole seconds only, so those ticks carry no `emittedAt`. Events a digest only counts
 * (details dropped because the queue was full) are not in any line.
 */
export function ticksIn(r: Received): Tick[] {
  if (digestEventCount(r.message) === undefined) {
    const match = singlePattern.exec(r.message.baseBody.plaintext ?? '');
    if (!match) return [];
    const emittedAt = epochMs(r.message.timestamp);
    return [{ i: Number(match[1]), ...(emittedAt !== undefined ? { emittedAt } : {}) }];
  }
  if (r.file) {
    return new TextDecoder()
      .decode(r.file)
      .split('\n')
      .flatMap((line) => {
        const match = fileLinePattern.exec(line);
        return match ? [{ i: Number(match[2]), emittedAt: Date.parse(match[1] as string) }] : [];
      });
  }
  return (r.message.sections?.[0]?.bulletLists?.[0]?.items ?? []).flatMap((line) => {
    const match = inlinePattern.exec(line);
    if (!match) return [];
    const times = match[1] ? Number(match[1].replaceAll(',', '')) : 1;
    return Array.from({ length: times }, () => ({ i: Number(match[2]) }));
  });
}

/** What one run delivered, read back from the messages. */
export interface RunReading {
  messages: number;
  digests: number;
  represented: number;
  /** Events whose tick was found in a line (the rest were only counted in a digest header). */
  detailed: number;
  /** Emit → deliver (ms) of every detailed event whose line carries its emit time. */
  latencies: number[];
  /** Detailed ticks only ever increase across messages (none repeated, none out of turn). */
  inOrder: boolean;
  /**
   * Sustained events per second at the platform. Each message carries what arrived since the
   * one before, so the events of the messages after the first, up to the one before the last,
   * over the time between the first and that one, is the rate events flowed. The first message
   * (held since the stream began) and the last (its window only partly used once the stream
   * ends) are left out, as `(n − 1) / (last − first)` leaves out start-up for single events.
   * NaN with fewer than three messages.
   */
  rate: number;
}

export function readRun(received: readonly Received[]): RunReading {
  let represented = 0;
  let detailed = 0;
  let previous = 0;
  let inOrder = true;
  const latencies: number[] = [];
  for (const r of received) {
    represented += r.events;
    for (const tick of ticksIn(r)) {
      detailed += 1;
      inOrder &&= tick.i > previous;
      previous = tick.i;
      if (tick.emittedAt !== undefined) latencies.push(r.at - tick.emittedAt);
    }
  }
  const first = received[0];
  const last = received.at(-1);
  const beforeLast = received.at(-2);
  const rate =
    first && last && beforeLast && received.length >= 3
      ? (represented - first.events - last.events) / ((beforeLast.perf - first.perf) / 1000)
      : Number.NaN;
  return {
    messages: received.length,
    digests: received.filter((r) => digestEventCount(r.message) !== undefined).length,
    represented,
    detailed,
    latencies,
    inOrder,
    rate,
  };
}
