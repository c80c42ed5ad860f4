// One file per class, not the package's index (prom-client-lib.d.ts says why).
import Counter from 'prom-client/lib/counter.js';
import Gauge from 'prom-client/lib/gauge.js';
import Histogram from 'prom-client/lib/histogram.js';
import Registry from 'prom-client/lib/registry.js';

/**
 * The agent's Prometheus metrics. One instance per agent, on its own registry
 * (prom-client's default registry is a process global, which two agents in one
 * process, as in tests, would share).
 */
export interface AgentMetrics {
  registry: Registry;
  commands: Counter<'executor' | 'result'>;
  commandSeconds: Histogram<'executor'>;
  eventsIn: Counter<'source'>;
  eventsOut: Counter<'source' | 'destination'>;
  pluginRestarts: Counter<'plugin'>;
  pluginUp: Gauge<'plugin'>;
  pluginLogDroppedLines: Counter<'plugin'>;
  pluginLogDroppedBytes: Counter<'plugin'>;
  queueDepth: Gauge<'destination'>;
  eventsCoalesced: Counter<'destination'>;
  rateLimited: Counter<'destination'>;
  sendErrors: Counter<'destination' | 'reason'>;
  digestsSent: Counter<'destination'>;
  duplicatesSuppressed: Counter<'destination'>;
  editsCollapsed: Counter<'destination'>;
  deliveryRetries: Counter<'destination' | 'reason'>;
  deliveryOverflow: Counter<'destination'>;
  deliveryStoreDropped: Counter<'destination'>;
  deliveryLatency: Histogram<'destination' | 'kind'>;
  webhookRequests: Counter<'source' | 'status'>;
  actionRuns: Counter<'action' | 'result'>;
}

export function createMetrics(): AgentMetrics {
  const registry = new Registry();
  const opts = { registers: [registry] };
  return {
    registry,
    commands: new Counter({
      name: 'switchboard_commands_total',
      help: 'Commands handled, by executor (or builtin) and result.',
      labelNames: ['executor', 'result'],
      ...opts,
    }),
    commandSeconds: new Histogram({
      name: 'switchboard_command_duration_seconds',
      help: 'Time from receiving a command to its final answer.',
      labelNames: ['executor'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      ...opts,
    }),
    eventsIn: new Counter({
      name: 'switchboard_source_events_total',
      help: 'Events received from source plugins, by source group.',
      labelNames: ['source'],
      ...opts,
    }),
    eventsOut: new Counter({
      name: 'switchboard_events_delivered_total',
      help: 'Events delivered to a destination (a bot channel, alone or in a digest, or a sink).',
      labelNames: ['source', 'destination'],
      ...opts,
    }),
    pluginRestarts: new Counter({
      name: 'switchboard_plugin_restarts_total',
      help: 'Plugin process restarts.',
      labelNames: ['plugin'],
      ...opts,
    }),
    pluginUp: new Gauge({
      name: 'switchboard_plugin_up',
      help: '1 while the plugin process runs, 0 otherwise.',
      labelNames: ['plugin'],
      ...opts,
    }),
    pluginLogDroppedLines: new Counter({
      name: 'switchboard_plugin_log_dropped_lines_total',
      help: "Plugin stderr lines not put into the agent log because they exceeded the plugin's log limit.",
      labelNames: ['plugin'],
      ...opts,
    }),
    pluginLogDroppedBytes: new Counter({
      name: 'switchboard_plugin_log_dropped_bytes_total',
      help: "Bytes of the plugin stderr lines dropped over the plugin's log limit.",
      labelNames: ['plugin'],
      ...opts,
    }),
    queueDepth: new Gauge({
      name: 'switchboard_delivery_queue_depth',
      help: 'Messages waiting per destination (all its channels).',
      labelNames: ['destination'],
      ...opts,
    }),
    eventsCoalesced: new Counter({
      name: 'switchboard_events_coalesced_total',
      help: 'Events merged into digest messages.',
      labelNames: ['destination'],
      ...opts,
    }),
    rateLimited: new Counter({
      name: 'switchboard_rate_limited_total',
      help: 'Rate-limit answers (HTTP 429) received from platforms.',
      labelNames: ['destination'],
      ...opts,
    }),
    sendErrors: new Counter({
      name: 'switchboard_send_errors_total',
      help: 'Failed deliveries, by destination and reason.',
      labelNames: ['destination', 'reason'],
      ...opts,
    }),
    digestsSent: new Counter({
      name: 'switchboard_digests_sent_total',
      help: 'Digest messages posted (several events merged into one message).',
      labelNames: ['destination'],
      ...opts,
    }),
    duplicatesSuppressed: new Counter({
      name: 'switchboard_duplicates_suppressed_total',
      help: 'Events not posted again because the same event reached the channel or sink within the dedup window.',
      labelNames: ['destination'],
      ...opts,
    }),
    editsCollapsed: new Counter({
      name: 'switchboard_edits_collapsed_total',
      help: 'Streaming edits replaced by a newer edit of the same message before they were sent.',
      labelNames: ['destination'],
      ...opts,
    }),
    deliveryRetries: new Counter({
      name: 'switchboard_delivery_retries_total',
      help: 'Deliveries retried after a transient failure, by reason (rate limits are counted in switchboard_rate_limited_total).',
      labelNames: ['destination', 'reason'],
      ...opts,
    }),
    deliveryOverflow: new Counter({
      name: 'switchboard_delivery_overflow_total',
      help: 'Events whose details were dropped because the queue was full (chat: counted in the next digest; sinks: not delivered).',
      labelNames: ['destination'],
      ...opts,
    }),
    deliveryStoreDropped: new Counter({
      name: 'switchboard_delivery_store_dropped_total',
      help: 'Events dropped because the delivery queue file reached its size cap (settings.delivery.store.maxSizeMiB), oldest first.',
      labelNames: ['destination'],
      ...opts,
    }),
    deliveryLatency: new Histogram({
      name: 'switchboard_delivery_latency_seconds',
      help: 'Time from handing a message to the pipeline to its posting, by kind (event or reply).',
      labelNames: ['destination', 'kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30, 60, 300],
      ...opts,
    }),
    webhookRequests: new Counter({
      name: 'switchboard_incoming_webhook_requests_total',
      help: 'Incoming webhook requests, by source group and HTTP status.',
      labelNames: ['source', 'status'],
      ...opts,
    }),
    actionRuns: new Counter({
      name: 'switchboard_action_runs_total',
      help: 'Action runs by result: ok, error, timeout, unavailable, skipped (template or routing problem), dropped (queue full).',
      labelNames: ['action', 'result'],
      ...opts,
    }),
  };
}

/** What the platform metrics read from each chat platform at scrape time. */
export interface PlatformConnection {
  id: string;
  state: string;
  reconnects: number;
}

/**
 * Connection metrics of the chat platforms, read from their status at each scrape (bots keep
 * no metrics of their own): `switchboard_platform_connected` (1 while connected) and
 * `switchboard_platform_reconnects_total`.
 */
export function registerPlatformMetrics(metrics: AgentMetrics, platforms: () => PlatformConnection[]): void {
  const counted = new Map<string, number>();
  const reconnects = new Counter({
    name: 'switchboard_platform_reconnects_total',
    help: 'Reconnects of each chat platform since the agent started (socket drops, refresh requests).',
    labelNames: ['platform'],
    registers: [metrics.registry],
    collect() {
      for (const platform of platforms()) {
        const seen = counted.get(platform.id) ?? 0;
        // A restarted bot starts counting again; only growth is added.
        if (platform.reconnects > seen) reconnects.inc({ platform: platform.id }, platform.reconnects - seen);
        counted.set(platform.id, platform.reconnects);
      }
    },
  });
  new Gauge({
    name: 'switchboard_platform_connected',
    help: '1 while the chat platform is connected, 0 otherwise.',
    labelNames: ['platform'],
    registers: [metrics.registry],
    collect() {
      for (const platform of platforms())
        this.set({ platform: platform.id }, platform.state === 'connected' ? 1 : 0);
    },
  });
}
