import { Counter, Gauge, Histogram, Registry } from 'prom-client';

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
  queueDepth: Gauge<'destination'>;
  eventsCoalesced: Counter<'destination'>;
  rateLimited: Counter<'destination'>;
  sendErrors: Counter<'destination' | 'reason'>;
  webhookRequests: Counter<'source' | 'status'>;
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
      help: 'Events handed to a destination (bot channel or sink).',
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
    queueDepth: new Gauge({
      name: 'switchboard_delivery_queue_depth',
      help: 'Messages waiting per destination.',
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
    webhookRequests: new Counter({
      name: 'switchboard_incoming_webhook_requests_total',
      help: 'Incoming webhook requests, by source group and HTTP status.',
      labelNames: ['source', 'status'],
      ...opts,
    }),
  };
}
