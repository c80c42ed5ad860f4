/**
 * Text helpers for the built-in command replies: aligned tables for code blocks, shortened
 * one-line errors and compact uptimes.
 */

/** Placeholder for an empty table cell. */
export const none = '-';

/**
 * Lays out `rows` under `headers` as a table for a code block: columns separated by two blanks
 * and padded to the widest cell, no trailing blanks. Line breaks and tabs in cells become
 * blanks; an empty cell shows {@link none}.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const clean = (cell: string | undefined) => {
    const text = (cell ?? '').replace(/\s+/g, ' ').trim();
    return text === '' ? none : text;
  };
  const all = [headers.map(clean), ...rows.map((row) => headers.map((_, i) => clean(row[i])))];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * The first line of `text` with blanks collapsed, cut to at most `max` characters (an ellipsis
 * marks the cut). Undefined or blank text gives {@link none}.
 */
export function shortenError(text: string | undefined, max = 60): string {
  const line = (text ?? '').split('\n').find((l) => l.trim() !== '');
  if (line === undefined) return none;
  const flat = line.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/**
 * A compact uptime with the two largest units: `45s`, `3m12s`, `2h5m`, `4d3h`. Below one second,
 * or for a negative or non-finite value, gives `0s`.
 */
export function formatUptime(ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0;
  const units: [string, number][] = [
    ['d', Math.floor(total / 86_400)],
    ['h', Math.floor(total / 3_600) % 24],
    ['m', Math.floor(total / 60) % 60],
    ['s', total % 60],
  ];
  const first = units.findIndex(([, n]) => n > 0);
  if (first === -1) return '0s';
  return units
    .slice(first, first + 2)
    .filter(([, n], i) => i === 0 || n > 0)
    .map(([unit, n]) => `${n}${unit}`)
    .join('');
}
