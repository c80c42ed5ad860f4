/** A duration as written in config: a whole number and a unit, e.g. `500ms`, `30s`, `2m`, `1h`. */
export const durationPattern = '^[0-9]+(ms|s|m|h)$';

const unitMs = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds of a duration matching {@link durationPattern}; throws for anything else. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration; write e.g. 500ms, 30s, 2m or 1h`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}
