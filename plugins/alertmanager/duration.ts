/** A duration as Prometheus and amtool write them: units in descending order, e.g. `2h`, `1d12h`, `90m`. */
export const durationPattern = '^([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$';

const units = [
  ['w', 604_800_000],
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
] as const;

/** Milliseconds of a duration like `2h` or `1d12h`; throws saying how to write one. */
export function parseDuration(text: string): number {
  const match = new RegExp(durationPattern).exec(text);
  if (!match || text === '') throw new Error(`"${text}" is not a duration; write e.g. 30m, 2h or 1d12h`);
  return match
    .slice(1)
    .reduce((total, part, i) => total + (part ? Number.parseInt(part, 10) * (units[i]?.[1] ?? 0) : 0), 0);
}

/** The shortest way to write `ms` in those units (seconds precision), e.g. 93_600_000 → `1d2h`. */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms / 1000) * 1000);
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out || '0s';
}
