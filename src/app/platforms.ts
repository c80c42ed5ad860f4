import type { Bot } from '../bots/bot.js';
import type { ConsoleBot } from '../bots/console/index.js';
import type { Console } from '../config/slices/console.js';
import type { SocketSlack } from '../config/slices/socket-slack.js';
import type { Destination } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';
import type { PlatformContext } from './agent.js';
import type { PlatformInstance } from './topology.js';

export interface PlatformFactory {
  /** For `AgentDeps.createPlatform`: the bot or sink of one enabled platform instance. */
  create(instance: PlatformInstance, context: PlatformContext): Promise<Bot | Destination | undefined>;
  /** URLs of the running web consoles, for the start banner. */
  consoleUrls(): string[];
}

/**
 * Maps config platforms to their implementations. Each is imported when first configured:
 * the Slack and Elasticsearch client libraries cost memory an agent that never uses them
 * should not pay. Platforms this build lacks (Discord, Rocket.Chat for now) give undefined;
 * the agent logs that and skips them.
 */
export function createPlatformFactory(deps: { logger: Logger; clusterName?: string }): PlatformFactory {
  const consoles = new Map<string, ConsoleBot>();
  return {
    async create(instance, context) {
      switch (instance.platform) {
        case 'console': {
          const { createConsoleBot } = await import('../bots/console/index.js');
          const bot = createConsoleBot({
            id: instance.id,
            settings: instance.settings as Console,
            logger: deps.logger,
            context,
          });
          consoles.set(instance.id, bot);
          return bot;
        }
        case 'socketSlack': {
          const { createSlackBot } = await import('../bots/slack/index.js');
          return createSlackBot({
            id: instance.id,
            settings: instance.settings as SocketSlack,
            logger: deps.logger,
          });
        }
        case 'webhook':
        case 'elasticsearch': {
          const { createSink } = await import('../sinks/index.js');
          return createSink(
            { id: instance.id, platform: instance.platform, settings: instance.settings },
            { logger: deps.logger, ...(deps.clusterName ? { clusterName: deps.clusterName } : {}) },
          );
        }
        default:
          return undefined;
      }
    },
    consoleUrls() {
      return [...consoles.values()].flatMap((bot) => {
        const url = bot.url();
        return url ? [url] : [];
      });
    },
  };
}
