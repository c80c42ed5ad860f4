import type { PluginRbac } from '../../config/slices/plugin-groups.js';
import { type Message, plaintextMessage } from '../../contract/message.js';
import { parseMessage } from '../../contract/message-read.js';
import { parseChatCommand } from '../../core/command-pipeline.js';
import type { InboundCommand } from '../../core/inbound-command.js';
import { filterMessageOutput } from '../../core/output-filter.js';
import type { BuiltinCommand } from '../../core/route.js';
import type { DestinationCapabilities } from '../../delivery/destination.js';
import type { Outbox } from '../../delivery/outbox.js';
import type { Logger } from '../../log/logger.js';
import type { AgentMetrics } from '../../metrics/metrics.js';
import type { ExecutorClient } from '../../plugins/host/executor-client.js';
import { type CommandResult, replierFor, runPluginCommand } from './run-plugin-command.js';
import { failureReply } from './user-replies.js';

/** How long a call's Kubernetes token outlives the command deadline, for a slow last request. */
const kubeTokenMarginMs = 30_000;

/** A configured channel, as the command path sees it. */
export interface ChannelView {
  destinationId: string;
  channelId: string;
  channelName: string;
  /** Executor group names bound to the channel, in binding order. */
  executorGroups: readonly string[];
}

/** One enabled executor plugin entry of a group. */
export interface ExecutorEntryView {
  group: string;
  /** `repo/name[@version]` */
  key: string;
  /** The command word. */
  name: string;
  /** The entry's `config`, as YAML. */
  rawConfig: Uint8Array;
  /** The entry's `context.rbac`: the Kubernetes identity its calls act as. */
  rbac?: PluginRbac;
  /** The entry's `context.kubeconfig.defaultNamespace`, written into its generated kubeconfig. */
  kubeNamespace?: string;
}

/** A kubeconfig handed to one call; released (its token revoked) when the call ends. */
export interface CallKubeConfig {
  kubeConfig: Uint8Array;
  release(): void;
}

/**
 * Kubernetes access for executor calls. Undefined answer: the entry has no rbac, so the call gets
 * no kubeconfig (as in Botkube). Throws (SB_ERR_KUBE_RBAC, SB_ERR_KUBE_CLUSTER) when the entry's
 * rbac cannot be honoured; the command is then not run.
 */
export type KubeConfigForCall = (
  entry: ExecutorEntryView,
  channelName: string | undefined,
  ttlMs: number,
) => CallKubeConfig | undefined;

/** The part of the agent's configuration the command path reads; replaced on reload. */
export interface CommandTopology {
  clusterName: string;
  aliases: Readonly<Record<string, { command: string; displayName?: string }>>;
  /** Plugins whose own --filter/--cluster-name flags are passed through (see core/global-flags). */
  passthroughPlugins: readonly string[];
  incomingWebhookBaseUrl: string;
  channel(destinationId: string, channelId: string): ChannelView | undefined;
  /** Enabled entries of these groups, in group order. */
  executorEntries(groups: readonly string[]): ExecutorEntryView[];
  /** Command words of every enabled executor in the config. */
  knownExecutors(): ReadonlySet<string>;
}

/** Answers the agent's built-in commands (help, ping, list, notifications, status…). */
export interface BuiltinResponder {
  respond(command: BuiltinCommand, channel: ChannelView, inbound: InboundCommand): Promise<Message>;
}

export interface CommandHandlerOptions {
  topology(): CommandTopology;
  executor(key: string): ExecutorClient | undefined;
  builtins: BuiltinResponder;
  outbox: Outbox;
  capabilities(destinationId: string): DestinationCapabilities;
  mention(destinationId: string): RegExp | undefined;
  deadlineMs(pluginKey: string): number;
  /** Kubeconfig per call from the first bound entry's `context.rbac`; none when unset. */
  kubeConfig?: KubeConfigForCall;
  /** Commands running at once per channel; more are refused with a reply. */
  maxConcurrentPerChannel?: number;
  logger: Logger;
  metrics?: AgentMetrics;
  now?: () => number;
}

/**
 * The executor bridge: turns a chat message into a reply. Unconfigured channels
 * get no answer (as in Botkube); in a configured channel every command gets one:
 * a result, or a short reason (unknown command, executor not bound here, plugin
 * down, deadline exceeded, too many commands running). Writes one audit line per
 * command: who, where, what, result, duration.
 */
export function createCommandHandler(options: CommandHandlerOptions) {
  const log = options.logger.child({ component: 'executor-bridge' });
  const running = new Map<string, number>();
  const limit = options.maxConcurrentPerChannel ?? 5;
  const now = options.now ?? Date.now;

  return async function handle(inbound: InboundCommand): Promise<void> {
    const topology = options.topology();
    const channel = topology.channel(inbound.botId, inbound.channel.id);
    if (!channel) {
      log.debug(
        { bot: inbound.botId, channel: inbound.channel.id },
        'command in an unconfigured channel ignored',
      );
      return;
    }
    const address = {
      destinationId: channel.destinationId,
      channelId: inbound.replyChannelId ?? channel.channelId,
      ...(inbound.threadId ? { threadId: inbound.threadId } : {}),
      ...(inbound.user.id ? { userId: inbound.user.id } : {}),
    };
    const replier = replierFor(address, (o) => options.outbox.send(o));
    const entries = topology.executorEntries(channel.executorGroups);
    const mention = inbound.mentionPattern ?? options.mention(inbound.botId);
    const parsed = parseChatCommand(inbound.text, {
      ...(mention ? { mention } : {}),
      requireMention: false,
      aliases: topology.aliases,
      passthroughPlugins: topology.passthroughPlugins,
      clusterName: topology.clusterName,
      boundExecutors: new Set(entries.map((e) => e.name)),
      knownExecutors: topology.knownExecutors(),
    });
    if (parsed.kind === 'ignored') return;
    if (parsed.kind === 'invalid') {
      await replier.post(plaintextMessage(parsed.error.message));
      return;
    }

    const key = `${channel.destinationId}|${channel.channelId}`;
    if ((running.get(key) ?? 0) >= limit) {
      await replier.post(
        plaintextMessage(
          `${limit} commands are already running in this channel; wait for one to finish and try again.`,
        ),
      );
      audit(inbound, parsed.command, 'refused', 0);
      return;
    }
    running.set(key, (running.get(key) ?? 0) + 1);
    const started = now();
    let executor = 'builtin';
    let result: CommandResult | 'refused' = 'ok';
    try {
      const route = parsed.route;
      const by = inbound.origin === 'typed' ? '' : ` by ${inbound.user.mention || inbound.user.displayName}`;
      const header = parsed.header ?? `\`${parsed.command}\` on \`${topology.clusterName}\`${by}`;
      if (route.kind === 'empty' || route.kind === 'builtin') {
        const command: BuiltinCommand = route.kind === 'empty' ? { verb: 'help' } : route.command;
        await replier.post(await options.builtins.respond(command, channel, inbound));
      } else if (route.kind === 'usage') {
        await replier.post(plaintextMessage(route.message));
        result = 'error';
      } else if (route.kind === 'not-bound') {
        await replier.post(
          plaintextMessage(
            `The ${route.plugin} executor is not enabled in this channel. Ask an operator to bind an executor group containing it to this channel, or use \`list executors\` to see what is.`,
          ),
        );
        result = 'refused';
      } else if (route.kind === 'unknown') {
        await replier.post(
          plaintextMessage(`\`${route.word}\` is not a command here. Use \`help\` to see what you can run.`),
        );
        result = 'refused';
      } else {
        executor = route.plugin;
        const mine = entries.filter((e) => e.name === route.plugin);
        const first = mine[0] as ExecutorEntryView;
        const client = options.executor(first.key);
        if (!client) {
          await replier.post(
            plaintextMessage(
              `The ${route.plugin} executor is not running. An operator can check \`status\`.`,
            ),
          );
          result = 'unavailable';
        } else if (route.help) {
          try {
            await replier.post(
              parseMessage(await client.help({ deadlineMs: options.deadlineMs(first.key) })),
            );
          } catch (err) {
            await replier.post(failureReply(route.plugin, route.command, err, options.deadlineMs(first.key)));
            result = 'error';
            log.warn(
              {
                ...where(inbound),
                plugin: route.plugin,
                command: route.command,
                err: (err as Error).message,
              },
              'plugin help failed',
            );
          }
        } else {
          const filter = parsed.filter;
          const deadlineMs = options.deadlineMs(first.key);
          let kube: CallKubeConfig | undefined;
          let refused: unknown;
          try {
            // As Botkube: the identity comes from the first bound entry, with the channel's name.
            kube = options.kubeConfig?.(first, channel.channelName, deadlineMs + kubeTokenMarginMs);
          } catch (err) {
            refused = err;
          }
          if (refused !== undefined) {
            const message = refused instanceof Error ? refused.message : String(refused);
            await replier.post(
              plaintextMessage(
                `The ${route.plugin} executor cannot run here: its Kubernetes identity could not be set up. The agent log has the details.`,
              ),
            );
            log.warn(
              { ...where(inbound), plugin: route.plugin, err: message },
              'kubeconfig for the call refused',
            );
            result = 'error';
          } else {
            try {
              result = await runPluginCommand({
                plugin: route.plugin,
                client,
                call: {
                  command: route.command,
                  configs: mine.map((e) => e.rawConfig),
                  context: {
                    interactive: options.capabilities(channel.destinationId).interactive,
                    ...(inbound.interactionState ? { slackState: inbound.interactionState } : {}),
                    ...(kube ? { kubeConfig: kube.kubeConfig } : {}),
                    message: {
                      text: inbound.text,
                      url: inbound.url ?? '',
                      parentActivityId: inbound.threadId ?? '',
                      user: { mention: inbound.user.mention, displayName: inbound.user.displayName },
                    },
                    incomingWebhookBaseUrl: topology.incomingWebhookBaseUrl,
                  },
                },
                header,
                deadlineMs,
                capabilities: options.capabilities(channel.destinationId),
                replier,
                log: log.child(where(inbound)),
                ...(inbound.sourceMessage ? { original: inbound.sourceMessage } : {}),
                ...(inbound.modalTrigger ? { modalTrigger: inbound.modalTrigger } : {}),
                ...(filter ? { transform: (m: Message) => filterMessageOutput(m, filter).message } : {}),
              });
            } finally {
              // The plugin's token dies with the call: a kubeconfig it kept works no more.
              kube?.release();
            }
          }
        }
      }
    } catch (err) {
      result = 'error';
      log.error({ err: (err as Error).message }, 'command handling failed');
    } finally {
      running.set(key, (running.get(key) ?? 1) - 1);
      const seconds = (now() - started) / 1000;
      options.metrics?.commands.inc({ executor, result });
      options.metrics?.commandSeconds.observe({ executor }, seconds);
      audit(inbound, parsed.command, result, seconds * 1000);
    }
  };

  /** Where a command came from, for log lines about it. */
  function where(inbound: InboundCommand) {
    return { bot: inbound.botId, channel: inbound.channel.name || inbound.channel.id };
  }

  function audit(inbound: InboundCommand, command: string, result: string, durationMs: number) {
    log.info(
      {
        audit: true,
        user: inbound.user.displayName || inbound.user.id,
        userId: inbound.user.id,
        bot: inbound.botId,
        channel: inbound.channel.name || inbound.channel.id,
        origin: inbound.origin,
        command,
        result,
        durationMs: Math.round(durationMs),
      },
      'command',
    );
  }
}
