import { runPluginCommand } from '../bridge/executor/run-plugin-command.js';
import { parseChatCommand } from '../core/command-pipeline.js';
import { compileTemplate } from '../core/go-template.js';
import type { DestinationCapabilities } from '../delivery/destination.js';
import type { Outbox } from '../delivery/outbox.js';
import type { Logger } from '../log/logger.js';
import type { ExecutorClient } from '../plugins/host/executor-client.js';
import type { SourceEvent } from '../sdk/api/event.js';
import type { Message } from '../sdk/api/message.js';
import type { Topology } from './topology.js';

/** An enabled action (event → command). */
export interface ActionView {
  name: string;
  displayName: string;
  /** Go template rendered with `{Event: <raw object>}`. */
  command: string;
  sources: readonly string[];
  executors: readonly string[];
}

export interface ActionRunnerOptions {
  actions(): ActionView[];
  topology(): Topology;
  executor(key: string): ExecutorClient | undefined;
  outbox: Outbox;
  deadlineMs: number;
  logger: Logger;
}

/** Actions post their answer once per channel and never edit, so every platform gets the same thing. */
const fanoutCapabilities: DestinationCapabilities = {
  edit: false,
  files: true,
  threads: false,
  interactive: false,
  maxMessageLength: 3000,
};

/**
 * Runs the actions bound to an event's source group: the command template is
 * rendered from the event (no HTML escaping; missing fields are empty), run once
 * through the action's executor groups as `Automation "<displayName>"`, and the
 * answer goes to every channel bound to the source group. A template or routing
 * problem is logged with the action's name; it never stops the event.
 */
export function createActionRunner(options: ActionRunnerOptions) {
  const log = options.logger.child({ component: 'actions' });
  const compiled = new Map<string, ReturnType<typeof compileTemplate>>();

  return async function run(group: string, event: SourceEvent): Promise<void> {
    for (const action of options.actions().filter((a) => a.sources.includes(group))) {
      const topology = options.topology();
      let command: string;
      try {
        let template = compiled.get(action.command);
        if (!template) {
          template = compileTemplate(action.command, { name: `actions.${action.name}.command` });
          compiled.set(action.command, template);
        }
        command = template.render({ Event: event.rawObject ?? {} }).trim();
      } catch (err) {
        log.warn({ action: action.name, err: (err as Error).message }, 'action command template failed');
        continue;
      }
      const entries = topology.executorEntries(action.executors);
      const parsed = parseChatCommand(command, {
        requireMention: false,
        aliases: topology.aliases,
        clusterName: topology.clusterName,
        boundExecutors: new Set(entries.map((e) => e.name)),
        knownExecutors: topology.knownExecutors(),
      });
      if (parsed.kind !== 'command' || parsed.route.kind !== 'plugin') {
        log.warn(
          { action: action.name, command },
          'action command does not name an executor of its executor groups',
        );
        continue;
      }
      const route = parsed.route;
      const mine = entries.filter((e) => e.name === route.plugin);
      const client = mine[0] ? options.executor(mine[0].key) : undefined;
      if (!client) {
        log.warn({ action: action.name, plugin: route.plugin }, 'action executor is not running');
        continue;
      }
      const addresses = topology.fanout(group).channels;
      const user = `Automation "${action.displayName}"`;
      await runPluginCommand({
        plugin: route.plugin,
        client,
        call: {
          command: route.command,
          configs: mine.map((e) => e.rawConfig),
          context: {
            interactive: false,
            message: {
              text: command,
              url: '',
              parentActivityId: '',
              user: { mention: user, displayName: user },
            },
            incomingWebhookBaseUrl: topology.incomingWebhookBaseUrl,
          },
        },
        header: `\`${route.command}\` on \`${topology.clusterName}\` by ${user}`,
        deadlineMs: options.deadlineMs,
        capabilities: fanoutCapabilities,
        replier: {
          post: async (message: Message, file) => {
            await Promise.all(
              addresses.map((address) =>
                options.outbox.send({ address, message, ...(file ? { file } : {}) }),
              ),
            );
            return undefined;
          },
          edit: async () => {},
        },
      });
      log.info({ action: action.name, source: group, command: route.command }, 'action ran');
    }
  };
}
