/**
 * Slack-shaped identifiers. IDs are `<prefix>0EMU<5 digits>` so they match the spec's patterns
 * (`^[CGD][A-Z0-9]{8,}$` etc.) while staying readable in test failures; `ts` values are
 * `<10-digit seconds>.<6 digits>`, strictly increasing across the workspace like Slack's.
 */
import { randomUUID } from 'node:crypto';

export class IdFactory {
  private readonly counters = new Map<string, number>();
  private lastMicros = 0;

  /** The next ID with this prefix, e.g. `C0EMU00001`. */
  next(prefix: 'A' | 'B' | 'C' | 'D' | 'F' | 'T' | 'U' | 'V'): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}0EMU${String(n).padStart(5, '0')}`;
  }

  /** A message timestamp, unique and later than every earlier one. */
  ts(): string {
    this.lastMicros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    return microsToTs(this.lastMicros);
  }

  eventId(): string {
    return `Ev0EMU${randomUUID().replaceAll('-', '').slice(0, 10).toUpperCase()}`;
  }

  /** A trigger_id: `<digits>.<digits>.<hex>` like Slack's. */
  triggerId(): string {
    return `${Date.now()}.${this.counters.size}.${randomUUID().replaceAll('-', '')}`;
  }

  /** Slack's auto-generated block_id / action_id for elements that were posted without one. */
  shortId(): string {
    return randomUUID().replaceAll('-', '').slice(0, 5);
  }
}

export function microsToTs(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

/** Seconds since the epoch of a `ts`, as Slack's integer `event_time`. */
export function tsSeconds(ts: string): number {
  return Number.parseInt(ts.split('.')[0] ?? '0', 10);
}
