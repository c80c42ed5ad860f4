/**
 * The web console platform (`communications.<group>.console`): a chat page served by the agent,
 * and the protocol `switchboard chat` speaks. See docs/console.md.
 */
import { type ConsoleBot, ConsoleBotImpl, type ConsoleBotOptions } from './console-bot.js';

export type { ConsoleBot, ConsoleBotOptions } from './console-bot.js';
export { consoleUrl, isLoopbackAddress } from './listen-address.js';

/**
 * Creates the console of one communication group. Nothing listens until `start()`, which
 * rejects with SB_ERR_CONFIG_INVALID for a non-loopback address without a token and with
 * SB_ERR_CONSOLE_START when the address or port cannot be used. `settings.port: 0` picks a
 * free port; `url()` tells which.
 */
export function createConsoleBot(options: ConsoleBotOptions): ConsoleBot {
  return new ConsoleBotImpl(options);
}
