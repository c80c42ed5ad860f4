import type { SourceEvent } from '../../../contract/event.js';
import type { Message } from '../../../contract/message.js';
import { parseChatCommand } from '../../../core/command-pipeline.js';
import { compileTemplate } from '../../../core/go-template.js';
import type { DestinationCapabilities } from '../../../delivery/destination.js';
import type { Outbox } from '../../../delivery/outbox.js';
import type { Logger } from '../../../log/logger.js';
import type { AgentMetrics } from '../../../metrics/metrics.js';
import type { ExecutorClient } from '../../../plugins/host/executor-client.js';
import type { CommandTopology, KubeConfigForCall } from '../../executor/command-handler.js';
import { runPluginCommand } from '../../executor/run-plugin-command.js';
import { fitOutbound } from '../../fit-outbound.js';
import type { SourceFanout } from '../event-dispatch.js';
import { type BoundedRunner, createBoundedRunner } from './bounded-runner.js';

/** An enabled action (event → command). */
export interface ActionView {
  name: string;
  displayName: string;
  /** Go template rendered with `{Event: <raw object>}`. */
  command: string;
  sources: readonly string[];
  executors: readonly string[];
}

/**
 * What an action run reads of the agent's routing data: the executors of its executor groups,
 * the aliases and cluster name its command is parsed with, and the channels its source group is
 * bound to. The agent's topology provides it; a new one is read per run, so reloads apply.
 */
export interface ActionTopology
  extends Pick<
    CommandTopology,
    'clusterName' | 'aliases' | 'incomingWebhookBaseUrl' | 'executorEntries' | 'knownExecutors'
  > {
  /** The bot channels bound to a source group: each gets the action's answer. */
  fanout(group: string): Pick<SourceFanout, 'channels'>;
}

export interface ActionRunnerOptions {
  actions(): ActionView[];
  topology(): ActionTopology;
  executor(key: string): ExecutorClient | undefined;
  /** What a destination takes: each answer is fitted to every channel's destination once, here. */
  capabilities(destinationId: string): DestinationCapabilities;
  outbox: Outbox;
  deadlineMs: number;
  /** Kubeconfig per run from the first entry's `context.rbac` (no channel: Static only, as in Botkube). */
  kubeConfig?: KubeConfigForCall;
  logger: Logger;
  metrics?: AgentMetrics;
  /** Runs of one action at once (default 4); each action has its own queue, so a slow one starves no other. */
  concurrency?: number;
  /** Runs of one action waiting to start (default 1,000); past it runs are dropped, counted and logged. */
  maxPending?: number;
}

export interface ActionRunner {
  /** Queues the actions bound to `group` for `event` and returns at once. */
  run(group: string, event: SourceEvent): void;
  /** Lets queued runs finish (up to `timeoutMs`) and refuses new ones; resolves with how many never ran. */
  drain(timeoutMs: number): Promise<number>;
}

/**
 * What the command bridge is told for an action: no edits (the answer is posted once per channel)
 * and no limit, since one answer goes to channels of different platforms; the runner's replier
 * fits each copy to its own destination instead.
 */
const unlimited: DestinationCapabilities = {
  edit: false,
  files: false,
  threads: false,
  interactive: false,
  maxMessageLength: Number.POSITIVE_INFINITY,
};

/**
 * Runs the actions bound to an event's source group: the command template is
 * rendered from the event (no HTML escaping; missing fields are empty), run once
 * through the action's executor groups as `Automation "<displayName>"`, and the
 * answer goes to every channel bound to the source group. Runs are queued per
 * action and never awaited by the source stream, so a slow action holds back
 * neither events nor other actions; each queue is bounded and what it drops is
 * counted and logged. A template or
 * routing problem is logged with the action's name; it never stops the event.
 */
export function createActionRunner(options: ActionRunnerOptions): ActionRunner {
  const log = options.logger.child({ component: 'actions' });
  const compiled = new Map<string, ReturnType<typeof compileTemplate>>();
  const count = (action: string, result: string) => options.metrics?.actionRuns.inc({ action, result });
  const queues = new Map<string, { runner: BoundedRunner; dropped: number }>();
  const queueOf = (action: string) => {
    let queue = queues.get(action);
    if (!queue) {
      const runner = createBoundedRunner({
        concurrency: options.concurrency ?? 4,
        maxPending: options.maxPending ?? 1000,
        onError: (err) =>
          log.error({ action, err: (err as Error).message }, 'action run failed unexpectedly'),
      });
      queue = { runner, dropped: 0 };
      queues.set(action, queue);
    }
    return queue;
  };

  async function runOne(action: ActionView, group: string, event: SourceEvent): Promise<void> {
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
      count(action.name, 'skipped');
      return;
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
      count(action.name, 'skipped');
      return;
    }
    const route = parsed.route;
    const mine = entries.filter((e) => e.name === route.plugin);
    const client = mine[0] ? options.executor(mine[0].key) : undefined;
    if (!client) {
      log.warn({ action: action.name, plugin: route.plugin }, 'action executor is not running');
      count(action.name, 'skipped');
      return;
    }
    const addresses = topology.fanout(group).channels;
    const user = `Automation "${action.displayName}"`;
    let kube: ReturnType<KubeConfigForCall>;
    try {
      kube = options.kubeConfig?.(mine[0] as (typeof mine)[number], undefined, options.deadlineMs + 30_000);
    } catch (err) {
      log.warn(
        { action: action.name, err: (err as Error).message },
        'action not run: its Kubernetes identity could not be set up',
      );
      count(action.name, 'skipped');
      return;
    }
    // The answer's file is output.txt, the n-th extra's output-n.txt, as for chat commands.
    let posts = 0;
    const result = await runPluginCommand({
      plugin: route.plugin,
      client,
      call: {
        command: route.command,
        configs: mine.map((e) => e.rawConfig),
        context: {
          interactive: false,
          ...(kube ? { kubeConfig: kube.kubeConfig } : {}),
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
      capabilities: unlimited,
      log: log.child({ action: action.name }),
      replier: {
        // Handed to the pipeline, not awaited: a paced channel must not hold an action slot.
        post: async (message: Message, file) => {
          const fileName = posts === 0 ? 'output.txt' : `output-${posts}.txt`;
          posts += 1;
          for (const address of addresses) {
            const unfitted = { address, message, ...(file ? { file } : {}) };
            options.outbox
              .send(fitOutbound(unfitted, options.capabilities(address.destinationId), fileName))
              .catch((err: unknown) =>
                log.error(
                  { action: action.name, err: (err as Error).message },
                  'outbox rejected an action answer',
                ),
              );
          }
          return undefined;
        },
        edit: async () => {},
      },
    }).finally(() => kube?.release());
    count(action.name, result);
    log.info({ action: action.name, source: group, command: route.command, result }, 'action ran');
  }

  return {
    run(group, event) {
      for (const action of options.actions().filter((a) => a.sources.includes(group))) {
        const queue = queueOf(action.name);
        if (queue.runner.submit(() => runOne(action, group, event))) {
          if (queue.dropped > 0)
            log.warn({ action: action.name, dropped: queue.dropped }, 'action queue has room again');
          queue.dropped = 0;
          continue;
        }
        count(action.name, 'dropped');
        // One line when dropping starts; the total follows when the queue has room again.
        if (queue.dropped === 0)
          log.warn(
            { action: action.name, source: group, pending: queue.runner.pending() },
            'action queue full; dropping runs',
          );
        queue.dropped += 1;
      }
    },
    async drain(timeoutMs) {
      const left = await Promise.all([...queues.values()].map((q) => q.runner.drain(timeoutMs)));
      return left.reduce((a, b) => a + b, 0);
    },
  };
}
