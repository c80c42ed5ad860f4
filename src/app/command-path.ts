import { createBuiltinResponder } from '../bridge/executor/builtins.js';
import { createCommandHandler } from '../bridge/executor/command-handler.js';
import type { Config } from '../config/schema.js';
import type { InboundCommand } from '../core/inbound-command.js';
import type { Outbox } from '../delivery/outbox.js';
import type { PluginKubeAccess } from '../kube/plugin-kube-access.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import { createBuiltinContext } from './builtin-context.js';
import type { LiveConfig } from './live-config.js';
import { capabilitiesOf, mentionOf, type PlatformSlot } from './platform-slot.js';
import type { PluginProcesses } from './plugin-processes.js';
import type { RetryBook } from './retry-book.js';

export interface CommandPathOptions {
  version: string;
  live: LiveConfig;
  plugins: PluginProcesses;
  platforms: ReadonlyMap<string, PlatformSlot>;
  retries: RetryBook;
  outbox: Outbox;
  /** Applies the loaded config again (`edit sourcebindings`). */
  reload(base: Config): Promise<unknown>;
  /** Kubeconfigs for calls of entries with `context.rbac`. */
  kube: PluginKubeAccess;
  logger: Logger;
  metrics: AgentMetrics;
}

/**
 * Command in: a bot's inbound command goes to the executor bridge, which answers built-ins from
 * the live config and the running parts, and runs plugin commands on the running executors.
 * Limits that size queues (concurrency per channel) come from the config the agent started with.
 */
export function createCommandPath(options: CommandPathOptions): (command: InboundCommand) => Promise<void> {
  const { live, plugins, platforms } = options;
  const initial = live.config();
  const builtins = createBuiltinResponder(
    createBuiltinContext({
      version: options.version,
      view: live,
      running: {
        supervisor: (kind, key) => plugins.supervisor(kind, key),
        supervisors: () => plugins.supervisors.values(),
        platforms: () => platforms,
        retries: options.retries,
      },
      reload: options.reload,
    }),
  );
  return createCommandHandler({
    topology: () => live.topology(),
    executor: (key) => plugins.executorClient(key),
    builtins,
    outbox: options.outbox,
    capabilities: capabilitiesOf(platforms),
    mention: mentionOf(platforms),
    deadlineMs: () => live.config().settings.commands.deadline.ms,
    kubeConfig: (entry, channelName, ttlMs) =>
      options.kube.forCall(
        entry.rbac,
        {
          where: `executors.${entry.group}.plugins.${entry.key}`,
          clusterName: live.config().settings.clusterName,
          ...(entry.kubeNamespace ? { namespace: entry.kubeNamespace } : {}),
          ...(channelName ? { channel: channelName } : {}),
        },
        ttlMs,
      ),
    maxConcurrentPerChannel: initial.settings.commands.concurrencyPerChannel,
    logger: options.logger,
    metrics: options.metrics,
  });
}
