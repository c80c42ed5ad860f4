import { format } from 'node:util';

/** Levels of hclog, the log format go-plugin hosts read from a plugin's stderr. */
export type HclogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** A structured logger for plugin authors; lines go to stderr as hclog JSON. */
export interface PluginLogger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Writes one hclog JSON line. Keys starting with `@` are hclog's own. */
export function writeHclogLine(
  write: (line: string) => void,
  level: HclogLevel,
  module: string,
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const record: Record<string, unknown> = {
    '@level': level,
    '@message': message,
    '@module': module,
    '@timestamp': new Date().toISOString(),
  };
  for (const [key, value] of Object.entries(fields)) {
    record[key] = value instanceof Error ? value.message : value;
  }
  write(`${JSON.stringify(record)}\n`);
}

/** Creates a logger whose lines a go-plugin host re-logs at their own level. */
export function createPluginLogger(module: string, write: (line: string) => void): PluginLogger {
  const at = (level: HclogLevel) => (message: string, fields?: Record<string, unknown>) =>
    writeHclogLine(write, level, module, message, fields);
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * After the handshake, fd 1 belongs to the host (go-plugin discards it, and text
 * before the handshake would break it). Route console output and stray
 * process.stdout writes to stderr as hclog JSON so nothing is lost and the
 * protocol stays clean.
 */
export function redirectConsole(module: string, writeStderr: (line: string) => void): void {
  const log = createPluginLogger(module, writeStderr);
  console.log = (...args: unknown[]) => log.info(format(...args));
  console.info = (...args: unknown[]) => log.info(format(...args));
  console.debug = (...args: unknown[]) => log.debug(format(...args));
  console.warn = (...args: unknown[]) => log.warn(format(...args));
  console.error = (...args: unknown[]) => log.error(format(...args));
  const stdoutWrite = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    for (const line of text.split('\n')) if (line !== '') log.info(line, { stream: 'stdout' });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') done();
    return true;
  };
  process.stdout.write = stdoutWrite as typeof process.stdout.write;
}
