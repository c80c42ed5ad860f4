import { type Logger, type LoggerOptions, pino } from 'pino';
import { type LogTarget, logDestination } from './log-destination.js';

export type { Logger } from 'pino';

/** Log levels Switchboard accepts in config and on the command line. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const secretKeys = [
  'token',
  'botToken',
  'appToken',
  'password',
  'secret',
  'apiKey',
  'authorization',
  'Authorization',
];

/**
 * Paths pino redacts wherever they appear in a log object: tokens and credentials must
 * never reach a log line, whatever component logs them. pino's `*.key` matches one level
 * down only, so every key is listed at the top level as well.
 */
export const redactedPaths: readonly string[] = [
  ...secretKeys,
  ...secretKeys.map((key) => `*.${key}`),
  'headers.authorization',
  'headers.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'env.*',
  '*.env.*',
];

export interface RootLoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stderr so stdout stays free for command output. */
  destination?: LogTarget;
  /** `text`: one readable line per record (Botkube's default); `json`: pino's lines. */
  format?: 'json' | 'text';
  /** Colour the level in `text` lines (only sensible on a terminal). */
  colours?: boolean;
  /** Unwritten bytes the destination may hold before lines are dropped and counted; 8 MiB. */
  maxBufferedBytes?: number;
}

const defaultMaxBufferedBytes = 8 * 1024 * 1024;

/** Creates the one root logger; components take `.child({component})` of it. */
export function createRootLogger(options: RootLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: undefined,
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const maxBufferedBytes = options.maxBufferedBytes ?? defaultMaxBufferedBytes;
  // Asynchronous, so a slow reader of stderr never blocks the agent; bounded, so it never
  // holds more than maxBufferedBytes (SonicBoom refuses the rest and says so: `drop`).
  const target: LogTarget =
    options.destination ?? pino.destination({ fd: 2, sync: false, maxLength: maxBufferedBytes });
  const destination = logDestination({
    target,
    format: options.format ?? 'json',
    colours: options.colours ?? false,
    maxBufferedBytes,
  });
  return pino(pinoOptions, destination);
}
