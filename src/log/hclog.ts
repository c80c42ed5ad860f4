/** Levels that plugin log lines are mapped to. */
export type PluginLogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** One line a plugin wrote to stderr, after parsing. */
export interface PluginLogLine {
  level: PluginLogLevel;
  message: string;
  /** hclog `@module`, when the line was hclog JSON. */
  module?: string;
  /** Extra key/value pairs of an hclog JSON line. */
  fields: Record<string, unknown>;
  /** False for plain text (panics, runtime crashes, missing-cookie notices). */
  structured: boolean;
}

const levels: Record<string, PluginLogLevel> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'error',
};

const prefixed = /^\s*\[(TRACE|DEBUG|INFO|WARN|ERROR)\]\s*/;

/**
 * Parses one stderr line of a plugin. hclog JSON lines keep their level, message,
 * module and fields; plain lines get the level of a `[LEVEL]` prefix when there is
 * one and `plainLevel` otherwise (the host logs panics at error).
 */
export function parseHclogLine(line: string, plainLevel: PluginLogLevel = 'error'): PluginLogLine {
  const trimmed = line.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        const record = parsed as Record<string, unknown>;
        if (typeof record['@message'] === 'string' || typeof record['@level'] === 'string') {
          const fields: Record<string, unknown> = {};
          for (const [key, value] of Object.entries(record)) {
            if (!key.startsWith('@')) fields[key] = value;
          }
          const rawLevel = String(record['@level'] ?? 'info').toLowerCase();
          const module = typeof record['@module'] === 'string' ? record['@module'] : undefined;
          return {
            level: levels[rawLevel] ?? 'info',
            message: String(record['@message'] ?? ''),
            ...(module === undefined ? {} : { module }),
            fields,
            structured: true,
          };
        }
      }
    } catch {
      // Not JSON after all: fall through to plain-text handling.
    }
  }
  const match = prefixed.exec(trimmed);
  if (match?.[1]) {
    return {
      level: levels[match[1].toLowerCase()] ?? plainLevel,
      message: trimmed.slice(match[0].length),
      fields: {},
      structured: false,
    };
  }
  return { level: plainLevel, message: line, fields: {}, structured: false };
}
