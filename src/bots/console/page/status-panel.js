/**
 * The side panel: the agent's `/status` document as tables — plugins (state, restarts, last
 * error), platforms, sources, delivery queues — plus any other list the agent adds, shown
 * generically. DOM calls and textContent only.
 */

const known = [
  {
    // What an operator reads first: each part that does not serve, why, and when it is retried.
    key: 'problems',
    title: 'Problems',
    columns: [
      ['kind', 'Kind'],
      ['id', 'Name'],
      ['state', 'State'],
      ['reason', 'Reason'],
      ['nextRetryAt', 'Next retry'],
    ],
  },
  {
    key: 'plugins',
    title: 'Plugins',
    columns: [
      ['name', 'Plugin'],
      ['state', 'State'],
      ['restarts', 'Restarts'],
      ['lastError', 'Last error'],
      ['nextRetryAt', 'Next retry'],
    ],
  },
  {
    key: 'platforms',
    title: 'Platforms',
    columns: [
      ['id', 'Platform'],
      ['state', 'State'],
      ['reconnects', 'Reconnects'],
      ['lastError', 'Last error'],
      ['nextRetryAt', 'Next retry'],
    ],
  },
  {
    key: 'repositories',
    title: 'Repositories',
    columns: [
      ['name', 'Repository'],
      ['state', 'State'],
      ['lastError', 'Last error'],
      ['nextRetryAt', 'Next retry'],
    ],
  },
  {
    key: 'sources',
    title: 'Sources',
    columns: [
      ['group', 'Group'],
      ['plugin', 'Plugin'],
      ['state', 'State'],
      ['lastReason', 'Last reason'],
    ],
  },
  {
    key: 'queues',
    title: 'Delivery queues',
    columns: [
      ['destinationId', 'Destination'],
      ['channelId', 'Channel'],
      ['pending', 'Pending'],
    ],
  },
];

/** Replaces the content of `panel` with `status`; `version` is the agent's version. */
export function renderStatus(panel, status, version) {
  panel.replaceChildren();
  panel.append(el('h2', '', 'Status'));
  if (typeof status !== 'object' || status === null) {
    panel.append(el('p', 'empty', 'No status yet.'));
    return;
  }
  const summary = el('p', 'status-summary');
  const problems = Array.isArray(status.problems) ? status.problems.length : 0;
  const [label, tone] = !status.ready
    ? ['not ready', 'bad']
    : problems > 0
      ? [`degraded: ${problems} not serving`, 'warn']
      : ['ready', 'ok'];
  summary.append(el('span', `state state-${tone}`, label));
  if (version) summary.append(` · version ${version}`);
  panel.append(summary);
  for (const table of known) {
    const rows = Array.isArray(status[table.key]) ? status[table.key] : [];
    // No problems is the usual case; an empty Problems table would only take room.
    if (table.key === 'problems' && rows.length === 0) continue;
    panel.append(section(table.title, table.columns, rows));
  }
  for (const [key, value] of Object.entries(status)) {
    if (known.some((k) => k.key === key) || !Array.isArray(value)) continue;
    const objects = value.filter((v) => typeof v === 'object' && v !== null);
    const keys = [...new Set(objects.flatMap((o) => Object.keys(o)))].slice(0, 5);
    panel.append(
      section(
        key,
        keys.map((k) => [k, k]),
        objects,
      ),
    );
  }
}

function section(title, columns, rows) {
  const box = el('section', 'status-section');
  box.dataset.section = title;
  box.append(el('h3', '', `${title} (${rows.length})`));
  if (rows.length === 0) {
    box.append(el('p', 'empty', 'none'));
    return box;
  }
  const table = el('table');
  const head = el('tr');
  for (const [, label] of columns) head.append(el('th', '', label));
  table.append(el('thead'), el('tbody'));
  table.tHead.append(head);
  for (const row of rows) {
    const tr = el('tr');
    for (const [key] of columns) {
      const value = row?.[key];
      const td = el('td', key === 'state' ? `state state-${stateClass(value)}` : '', cell(value, key));
      if (typeof value === 'string' && value.length > 60) td.title = value;
      tr.append(td);
    }
    table.tBodies[0].append(tr);
  }
  box.append(table);
  return box;
}

function stateClass(state) {
  if (state === 'running' || state === 'connected' || state === 'open' || state === 'streaming') return 'ok';
  if (
    state === 'quarantined' ||
    state === 'failed' ||
    state === 'unavailable' ||
    state === 'not installed' ||
    state === 'not supported'
  )
    return 'bad';
  return 'warn';
}

function cell(value, key) {
  if (value === undefined || value === null || value === '') return '–';
  if (key === 'nextRetryAt' && typeof value === 'string') return retryIn(value);
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** A retry time as "in 12 s" (the page's clock), with the time itself in the tooltip. */
function retryIn(iso) {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.round((at - Date.now()) / 1000);
  if (seconds <= 0) return 'due now';
  return seconds < 120 ? `in ${seconds} s` : `in ${Math.round(seconds / 60)} min`;
}

function el(tag, className = '', content) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (content !== undefined) node.textContent = content;
  return node;
}
