import { stringify } from 'yaml';
import type { ChannelView, CommandTopology, ExecutorEntryView } from '../bridge/executor/command-handler.js';
import type { SourceFanout } from '../bridge/source/event-dispatch.js';
import type { Config } from '../config/schema.js';
import { botPlatforms, sinkPlatforms } from '../config/slices/communications.js';
import { type PluginRbac, splitPluginKey } from '../config/slices/plugin-groups.js';
import type { Address } from '../delivery/destination.js';

/** A bot channel with everything bound to it. */
export interface BotChannel extends ChannelView {
  sourceGroups: readonly string[];
  /** `notification.disabled` from config, inverted (runtime state may override). */
  notificationsConfigured: boolean;
}

/** One plugin entry of a source group that must be streamed. */
export interface SourceEntryView {
  group: string;
  key: string;
  rawConfig: Uint8Array;
  /** The entry's `context.rbac`: the Kubernetes identity its stream acts as. */
  rbac?: PluginRbac;
  /** The entry's `context.kubeconfig.defaultNamespace`, written into its generated kubeconfig. */
  kubeNamespace?: string;
}

/** An enabled bot or sink instance of the config. */
export interface PlatformInstance {
  /** `<group>/<platform>`: the destination ID. */
  id: string;
  group: string;
  platform: string;
  kind: 'bot' | 'sink';
  /** The platform's config slice. */
  settings: unknown;
}

/**
 * The agent's configuration seen as routing data: channels with their bindings,
 * executor and source entries, where each source group's events go, which
 * platforms to start. Built once per config (and again on reload); pure.
 */
export interface Topology extends CommandTopology {
  platforms: readonly PlatformInstance[];
  botChannels: readonly BotChannel[];
  channel(destinationId: string, channelId: string): BotChannel | undefined;
  fanout(group: string): SourceFanout;
  /** Enabled source entries of groups bound to a channel, sink or action. */
  sourceEntries(): SourceEntryView[];
  sourceGroupEntries(group: string): SourceEntryView[];
}

const yamlBytes = (value: unknown) => new TextEncoder().encode(value === undefined ? '' : stringify(value));

/** Builds the topology of a validated config. */
export function buildTopology(config: Config): Topology {
  const platforms: PlatformInstance[] = [];
  const botChannels: BotChannel[] = [];
  const byKey = new Map<string, BotChannel>();
  const sinks: { address: Address; sources: readonly string[] }[] = [];

  for (const [group, communication] of Object.entries(config.communications)) {
    const sections = communication as Record<string, unknown>;
    for (const platform of botPlatforms) {
      const slice = sections[platform] as
        | {
            enabled: boolean;
            channels: Record<
              string,
              {
                name?: string;
                id?: string;
                notification: { disabled: boolean };
                bindings: { sources: string[]; executors: string[] };
              }
            >;
          }
        | undefined;
      if (!slice?.enabled) continue;
      const id = `${group}/${platform}`;
      platforms.push({ id, group, platform, kind: 'bot', settings: slice });
      for (const channel of Object.values(slice.channels)) {
        const channelId = channel.id ?? channel.name ?? '';
        const view: BotChannel = {
          destinationId: id,
          channelId,
          channelName: channel.name ?? channel.id ?? '',
          executorGroups: channel.bindings.executors,
          sourceGroups: channel.bindings.sources,
          notificationsConfigured: !channel.notification.disabled,
        };
        botChannels.push(view);
        // Platforms report a channel by ID or by name; both find it.
        byKey.set(`${id}|${channelId}`, view);
        if (channel.name) byKey.set(`${id}|${channel.name}`, view);
      }
    }
    for (const platform of sinkPlatforms) {
      const slice = sections[platform] as
        | {
            enabled: boolean;
            bindings?: { sources: string[] };
            indices?: Record<string, { bindings: { sources: string[] } }>;
          }
        | undefined;
      if (!slice?.enabled) continue;
      const id = `${group}/${platform}`;
      platforms.push({ id, group, platform, kind: 'sink', settings: slice });
      const bound = [
        ...(slice.bindings?.sources ?? []),
        ...Object.values(slice.indices ?? {}).flatMap((index) => index.bindings.sources),
      ];
      sinks.push({ address: { destinationId: id, channelId: '' }, sources: [...new Set(bound)] });
    }
  }

  const executorEntries = (groups: readonly string[]): ExecutorEntryView[] =>
    groups.flatMap((group) =>
      Object.entries(config.executors[group]?.plugins ?? {})
        .filter(([, entry]) => entry.enabled)
        .map(([key, entry]) => ({
          group,
          key,
          name: splitPluginKey(key)?.name ?? key,
          rawConfig: yamlBytes(entry.config),
          ...(entry.context.rbac ? { rbac: entry.context.rbac } : {}),
          ...kubeNamespaceOf(entry.context),
        })),
    );
  const sourceGroupEntries = (group: string): SourceEntryView[] =>
    Object.entries(config.sources[group]?.plugins ?? {})
      .filter(([, entry]) => entry.enabled)
      .map(([key, entry]) => ({
        group,
        key,
        rawConfig: yamlBytes(entry.config),
        ...(entry.context.rbac ? { rbac: entry.context.rbac } : {}),
        ...kubeNamespaceOf(entry.context),
      }));

  const boundSourceGroups = new Set<string>([
    ...botChannels.flatMap((c) => c.sourceGroups),
    ...sinks.flatMap((s) => s.sources),
    ...Object.values(config.actions)
      .filter((a) => a.enabled)
      .flatMap((a) => a.bindings.sources),
  ]);
  const known = new Set(
    Object.keys(config.executors).flatMap((group) => executorEntries([group]).map((e) => e.name)),
  );
  const webhookBase = config.plugins.incomingWebhook.inClusterBaseURL;

  return {
    clusterName: config.settings.clusterName,
    aliases: Object.fromEntries(
      Object.entries(config.aliases).map(([name, alias]) => [
        name,
        { command: alias.command, ...(alias.displayName ? { displayName: alias.displayName } : {}) },
      ]),
    ),
    passthroughPlugins: [],
    incomingWebhookBaseUrl: webhookBase ? `${webhookBase.replace(/\/$/, '')}/sources/v1` : '',
    platforms,
    botChannels,
    channel: (destinationId, channelId) => byKey.get(`${destinationId}|${channelId}`),
    executorEntries,
    knownExecutors: () => known,
    fanout: (group) => ({
      channels: botChannels
        .filter((c) => c.sourceGroups.includes(group))
        .map((c) => ({ destinationId: c.destinationId, channelId: c.channelId })),
      sinks: sinks.filter((s) => s.sources.includes(group)).map((s) => s.address),
    }),
    sourceEntries: () => [...boundSourceGroups].flatMap(sourceGroupEntries),
    sourceGroupEntries,
  };
}

function kubeNamespaceOf(context: { kubeconfig?: { defaultNamespace?: string | undefined } | undefined }): {
  kubeNamespace?: string;
} {
  const namespace = context.kubeconfig?.defaultNamespace;
  return namespace ? { kubeNamespace: namespace } : {};
}
