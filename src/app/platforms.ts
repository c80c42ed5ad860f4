import type { Bot } from '../bots/bot.js';
import type { ConsoleBot } from '../bots/console/index.js';
import type { Destination } from '../delivery/destination.js';
import type { Logger } from '../log/logger.js';
import { platformDescriptor } from '../platforms/registry.js';
import type { PlatformContext } from './agent.js';
import type { PlatformInstance } from './topology.js';

export interface PlatformFactory {
  /** For `AgentDeps.createPlatform`: the bot or sink of one enabled platform instance. */
  create(instance: PlatformInstance, context: PlatformContext): Promise<Bot | Destination | undefined>;
  /** URLs of the running web consoles, for the start banner. */
  consoleUrls(): string[];
}

/**
 * Builds platforms through their registry descriptors. Each implementation is imported when
 * first configured (the descriptor's `load`): the Slack and Elasticsearch client libraries cost
 * memory an agent that never uses them should not pay. Platforms this build lacks (a planned
 * descriptor has no `load`) give undefined; the agent logs that and skips them.
 */
export function createPlatformFactory(deps: {
  logger: Logger;
  clusterName?: string;
  sinkConcurrency?: number;
}): PlatformFactory {
  const consoles = new Map<string, ConsoleBot>();
  return {
    async create(instance, context) {
      const descriptor = platformDescriptor(instance.platform);
      if (!descriptor?.load) return undefined;
      const module = await descriptor.load();
      const created = module.create({
        id: instance.id,
        settings: instance.settings as never,
        logger: deps.logger,
        context,
        ...(deps.clusterName ? { clusterName: deps.clusterName } : {}),
        ...(deps.sinkConcurrency ? { sinkConcurrency: deps.sinkConcurrency } : {}),
      });
      // The start banner names the console's address; no other platform has one to show.
      if (descriptor.key === 'console') consoles.set(instance.id, created as ConsoleBot);
      return created;
    },
    consoleUrls() {
      return [...consoles.values()].flatMap((bot) => {
        const url = bot.url();
        return url ? [url] : [];
      });
    },
  };
}
