import { type ActionRunner, createActionRunner } from '../bridge/source/actions/action-runner.js';
import { createEventDispatcher } from '../bridge/source/event-dispatch.js';
import type { DestinationCapabilities } from '../delivery/destination.js';
import type { Outbox } from '../delivery/outbox.js';
import type { HttpHandlers } from '../http/server.js';
import type { PluginKubeAccess } from '../kube/plugin-kube-access.js';
import type { Logger } from '../log/logger.js';
import type { AgentMetrics } from '../metrics/metrics.js';
import { enabledActions, type LiveConfig, notificationsOn } from './live-config.js';
import type { PluginProcesses } from './plugin-processes.js';
import type { SourceCursorStore } from './source-cursors.js';
import { cursorKeeper, sourceContextFor, webhookHandlerFor } from './source-wiring.js';
import { StreamSet } from './stream-set.js';

/** The event-out side of the agent, as start, reload and stop drive it. */
export interface EventPath {
  /** The open source streams. */
  streams: StreamSet;
  /** Opens the streams the live topology wants that are not open; returns how many. */
  startStreams(): number;
  actions: ActionRunner;
  /** Incoming webhooks, for the HTTP listener. */
  webhook: HttpHandlers['webhook'];
  /**
   * Reads the stored stream cursors; call before the first startStreams so streams resume, and
   * again before opening streams after another replica streamed (a new leader). A store that
   * cannot be read is logged and streams start from what this process knew (fresh at start).
   */
  loadCursors(): Promise<void>;
}

/**
 * Event out: events from source streams and incoming webhooks go through the source bridge to
 * every channel and sink bound to their source group (channels whose notifications are on) and
 * to the actions bound to it. Routing reads the live config at each event, so reloads apply.
 */
export function createEventPath(options: {
  live: LiveConfig;
  plugins: PluginProcesses;
  outbox: Outbox;
  /** What each destination takes: events and action answers are fitted to it by the bridge. */
  capabilities(destinationId: string): DestinationCapabilities;
  /** Kubeconfigs for streams of entries with `context.rbac`. */
  kube: PluginKubeAccess;
  logger: Logger;
  metrics: AgentMetrics;
  /** Where source streams resume from and record how far they got; absent: they start fresh. */
  cursors?: SourceCursorStore;
}): EventPath {
  const { live, plugins, outbox, logger, metrics } = options;
  const initial = live.config();
  const actions = createActionRunner({
    actions: () => enabledActions(live),
    topology: () => live.topology(),
    executor: (key) => plugins.executorClient(key),
    capabilities: (id) => options.capabilities(id),
    outbox,
    deadlineMs: initial.settings.commands.deadline.ms,
    kubeConfig: (entry, _channel, ttlMs) =>
      options.kube.forCall(
        entry.rbac,
        {
          where: `executors.${entry.group}.plugins.${entry.key}`,
          clusterName: live.config().settings.clusterName,
          ...(entry.kubeNamespace ? { namespace: entry.kubeNamespace } : {}),
        },
        ttlMs,
      ),
    logger,
    metrics,
  });
  const channelNotifications = notificationsOn(live);
  const dispatch = createEventDispatcher({
    fanout: (group) => live.topology().fanout(group),
    notificationsEnabled: (address) => channelNotifications(address.destinationId, address.channelId),
    capabilities: (id) => options.capabilities(id),
    outbox,
    actions: (group, event) => actions.run(group, event),
    logger,
    metrics,
  });
  // The webhook base comes from the config the agent started with: the listener does not move.
  const sourceContext = sourceContextFor(
    live.topology().incomingWebhookBaseUrl,
    () => live.config().settings.clusterName,
  );
  const cursors = options.cursors ? cursorKeeper({ store: options.cursors, outbox, logger }) : undefined;
  const streams = new StreamSet({
    supervisor: (key) => plugins.supervisor('source', key),
    context: (group) => sourceContext(group),
    // Not `dispatch` itself: its third parameter is a request's origin, a stream's is its cursor.
    onEvent: (group, bytes) => dispatch(group, bytes),
    ...(cursors ? { cursors } : {}),
    kubeConfig: (entry) =>
      options.kube.forStream(entry.rbac, {
        where: `sources.${entry.group}.plugins.${entry.key}`,
        clusterName: live.config().settings.clusterName,
        ...(entry.kubeNamespace ? { namespace: entry.kubeNamespace } : {}),
      }),
    logger,
  });
  return {
    streams,
    startStreams: () => streams.startWanted(live.topology().sourceEntries()),
    actions,
    loadCursors: () => cursors?.load() ?? Promise.resolve(),
    webhook: webhookHandlerFor({
      live,
      plugins,
      context: (group) => sourceContext(group),
      dispatch,
      ...(outbox.persisted ? { persisted: () => outbox.persisted?.() ?? Promise.resolve() } : {}),
    }),
  };
}
