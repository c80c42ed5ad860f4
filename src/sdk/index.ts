/**
 * Switchboard plugin SDK: write executor and source plugins in TypeScript that
 * run under Switchboard and under Botkube (go-plugin gRPC, app protocols 1-3).
 */
export * from '../contract/event.js';
export { magicCookieKey, magicCookieValue } from '../contract/handshake.js';
export * from '../contract/message.js';
export { ConfigMergeError, mergeConfigs } from './config-merge.js';
export {
  type ExecuteInput,
  type ExecuteMessageContext,
  type ExecuteOutput,
  type ExecutorPlugin,
  serveExecutor,
} from './executor.js';
export type { PluginMetadata, SchemaSpec } from './metadata.js';
export type { PluginLogger } from './serve/plugin-log.js';
export {
  type ExternalRequestInput,
  type SourceContext,
  type SourcePlugin,
  type SourcePluginMetadata,
  type StreamEvent,
  type StreamInput,
  serveSource,
} from './source.js';
