/** The sinks' public entry points; the agent builds sinks through their descriptors (src/platforms/registry.ts). */
export { createElasticsearchSink } from './elasticsearch/index.js';
export type { Sink, SinkDeps, SinkStatus } from './sink.js';
export { createWebhookSink, type WebhookPayload } from './webhook/index.js';
