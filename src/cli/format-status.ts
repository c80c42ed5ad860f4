/**
 * `switchboard status` for humans: the agent's `/status` document as a short report, problems
 * first. Pure: the document and the current time come in, text goes out. Unknown or missing
 * fields are shown as absent rather than failing, so an older or newer agent still prints.
 */

interface Row {
  [key: string]: unknown;
}

const rows = (value: unknown): Row[] =>
  Array.isArray(value) ? value.filter((v): v is Row => typeof v === 'object' && v !== null) : [];
const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value));

/** "in 12 s (05:12:30 UTC)", "due now" or "" for a retry time. */
export function retryText(nextRetryAt: unknown, now: number): string {
  if (typeof nextRetryAt !== 'string') return '';
  const at = Date.parse(nextRetryAt);
  if (Number.isNaN(at)) return '';
  const seconds = Math.round((at - now) / 1000);
  const clock = new Date(at).toISOString().slice(11, 19);
  if (seconds <= 0) return `next retry due now (${clock} UTC)`;
  const span = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
  return `next retry in ${span} (${clock} UTC)`;
}

function table(title: string, body: string[][]): string[] {
  if (body.length === 0) return [];
  const widths = body[0]?.map((_, i) => Math.max(...body.map((r) => (r[i] ?? '').length))) ?? [];
  return [
    title,
    ...body.map(
      (r) =>
        `  ${r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join('  ')
          .trimEnd()}`,
    ),
  ];
}

/** The report for `status` (the parsed `/status` JSON) of the agent at `url`. */
export function formatStatus(status: unknown, url: string, now: number): string {
  const doc = (typeof status === 'object' && status !== null ? status : {}) as Row;
  const problems = rows(doc.problems);
  const ready = doc.ready === true;
  const state = ready
    ? 'ready'
    : doc.starting === true
      ? 'STARTING (not ready yet)'
      : 'NOT READY (nothing serves)';
  const head = `Switchboard at ${url}: ${state}${
    problems.length > 0
      ? `, degraded: ${problems.length} part(s) not serving`
      : ready
        ? ', everything serving'
        : ''
  }`;
  const out: string[] = [head, ''];

  if (problems.length > 0) {
    out.push('Problems');
    for (const p of problems) {
      const retry =
        p.retrying === true ? 'retrying now' : retryText(p.nextRetryAt, now) || 'not retried: fix and reload';
      out.push(`  ${str(p.kind)} ${str(p.id)}: ${str(p.state)}; ${retry}`);
      out.push(`    ${str(p.reason)}`);
      const waiting = Array.isArray(p.plugins) ? (p.plugins as unknown[]) : [];
      if (waiting.length > 0) out.push(`    waiting plugins: ${waiting.map(str).join(', ')}`);
    }
    out.push('');
  }

  const sections = [
    table(
      'Platforms',
      rows(doc.platforms).map((p) => [
        str(p.id),
        str(p.state),
        p.reconnects ? `reconnects ${str(p.reconnects)}` : '',
        retryText(p.nextRetryAt, now),
      ]),
    ),
    table(
      'Plugins',
      rows(doc.plugins).map((p) => [
        str(p.name),
        str(p.state),
        `restarts ${str(p.restarts ?? 0)}`,
        retryText(p.nextRetryAt, now),
      ]),
    ),
    table(
      'Repositories',
      rows(doc.repositories).map((r) => [str(r.name), str(r.state), retryText(r.nextRetryAt, now)]),
    ),
    table(
      'Sources',
      rows(doc.sources).map((s) => [str(s.group), str(s.plugin), str(s.state), str(s.lastReason)]),
    ),
    table(
      'Queued for delivery',
      rows(doc.queues)
        .filter((q) => Number(q.pending) > 0)
        .map((q) => [`${str(q.destinationId)} ${str(q.channelId)}`.trim(), `${str(q.pending)} waiting`]),
    ),
  ];
  for (const section of sections) if (section.length > 0) out.push(...section, '');
  return `${out.join('\n').trimEnd()}\n`;
}
