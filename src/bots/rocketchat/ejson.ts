/**
 * Rocket.Chat's realtime API writes every date as EJSON `{"$date": <ms since the epoch>}`; the
 * rest of the bot works with plain `Date`s.
 */

/** A copy of `value` with every `{$date: n}` object turned into a `Date`. */
export function reviveDates(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveDates);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length === 1 && keys[0] === '$date' && typeof record.$date === 'number') {
    return new Date(record.$date);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = reviveDates(record[key]);
  return out;
}

/** Milliseconds since the epoch of a date as either API writes it (EJSON, Date, ISO text). */
export function dateMs(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { $date?: unknown }).$date === 'number'
  ) {
    return (value as { $date: number }).$date;
  }
  return undefined;
}
