const levelNames: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const levelColours: Readonly<Record<number, string>> = {
  10: '\u001b[90m',
  20: '\u001b[36m',
  30: '\u001b[32m',
  40: '\u001b[33m',
  50: '\u001b[31m',
  60: '\u001b[35m',
};

/** Keys shown in the line's fixed part rather than as key=value. */
const fixedKeys = new Set(['level', 'time', 'msg', 'component']);

/**
 * Formats one pino JSON line as `time LEVEL component: message key=value …`, for people
 * reading a terminal (`settings.log.formatter: text`). Values with blanks or quotes are
 * JSON-quoted so a line stays one line and splits unambiguously.
 */
export function formatLogLine(json: string, colours: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = typeof record.level === 'number' ? record.level : 30;
  const name = (levelNames[level] ?? String(level)).padEnd(5);
  const shownLevel = colours ? `${levelColours[level] ?? ''}${name}\u001b[0m` : name;
  const time = typeof record.time === 'string' ? record.time.replace(/\.\d+Z$/, 'Z') : '';
  const component = typeof record.component === 'string' ? `${record.component}: ` : '';
  const fields = Object.entries(record)
    .filter(([key]) => !fixedKeys.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const message = typeof record.msg === 'string' ? record.msg : '';
  return [time, shownLevel, `${component}${message}`, ...fields].filter((part) => part !== '').join(' ');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? 'null';
}
