import { type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Log levels Switchboard accepts in config and on the command line. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/**
 * Paths pino redacts wherever they appear in a log object: tokens and
 * credentials must never reach a log line, whatever component logs them.
 */
export const redactedPaths: readonly string[] = [
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.password',
  '*.secret',
  '*.apiKey',
  '*.authorization',
  '*.Authorization',
  '*.headers.authorization',
  '*.headers.Authorization',
  'env.*',
];

export interface RootLoggerOptions {
  level?: LogLevel;
  /** Where lines go; defaults to stderr so stdout stays free for command output. */
  destination?: NodeJS.WritableStream;
  /** Pretty single-line text instead of JSON (for the CLI). */
  pretty?: boolean;
}

/** Creates the one root logger; components take `.child({component})` of it. */
export function createRootLogger(options: RootLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: undefined,
    redact: { paths: [...redactedPaths], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  const destination = options.destination ?? pino.destination({ fd: 2, sync: false });
  return pino(pinoOptions, destination as pino.DestinationStream);
}
