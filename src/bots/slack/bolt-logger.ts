/**
 * bolt, web-api and socket-mode log through this adapter into our pino logger. Their levels are
 * shifted down one step: their info lines ("Now connected") are our debug, their debug (request
 * and frame dumps) our trace. Their errors are mostly conditions the bot already handles and
 * reports itself (a dropped socket, a retried call), so they are warnings with a fixed message.
 */
import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../log/logger.js';

const text = (parts: unknown[]) =>
  parts
    .map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p)))
    .join(' ');

export function boltLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...msg: unknown[]) => log.trace({ slack: text(msg) }, 'slack client'),
    info: (...msg: unknown[]) => log.debug({ slack: text(msg) }, 'slack client'),
    warn: (...msg: unknown[]) => log.warn({ slack: text(msg) }, 'slack client warning'),
    error: (...msg: unknown[]) => log.warn({ slack: text(msg) }, 'slack client reported an error'),
    // The pino level decides what is written; these exist because the interface has them.
    setLevel: (next: LogLevel) => {
      level = next;
    },
    // Their debug dumps are only worth building when our trace level will write them.
    getLevel: () => (log.isLevelEnabled('trace') ? LogLevel.DEBUG : level),
    setName: () => {},
  };
}
