/** Result of one row: checked against a target, informational, or not measured. */
export type Verdict = 'PASS' | 'MISS' | 'info' | 'SKIP';

/** One printed line of a benchmark table, with its cells already formatted. */
export interface TableRow {
  measurement: string;
  central: string;
  spread: string;
  max: string;
  baseline: string;
  ratio: string;
  target: string;
  result: Verdict;
}

export interface Table {
  title: string;
  /** Headers of the central and spread columns, e.g. `p50` and `p90`. */
  centralHeader: string;
  spreadHeader: string;
  rows: TableRow[];
  /** Lines printed under the table. */
  notes: string[];
}

/** Renders a table as a Markdown pipe table (readable on a terminal and pasteable into docs). */
export function renderTable(table: Table): string {
  const header = [
    'measurement',
    table.centralHeader,
    table.spreadHeader,
    'max',
    'baseline',
    'ratio',
    'target',
    'result',
  ];
  const body = table.rows.map((r) => [
    r.measurement,
    r.central,
    r.spread,
    r.max,
    r.baseline,
    r.ratio,
    r.target,
    r.result,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const notes = table.notes.map((n) => `- ${n}`);
  return [`### ${table.title}`, '', line(header), rule, ...body.map(line), '', ...notes, ''].join('\n');
}

export function verdict(pass: boolean): Verdict {
  return pass ? 'PASS' : 'MISS';
}

/** A row without a baseline or target: the measured value, its spread and max. */
export function infoRow(
  measurement: string,
  central: string,
  spread: string,
  max: string,
  extra?: Partial<TableRow>,
): TableRow {
  return {
    measurement,
    central,
    spread,
    max,
    baseline: '-',
    ratio: '-',
    target: '',
    result: 'info',
    ...extra,
  };
}
