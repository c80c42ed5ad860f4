import { SwitchboardError } from '../errors/switchboard-error.js';
import type { ElasticsearchSink } from './elasticsearch/config.js';
import { createElasticsearchSink } from './elasticsearch/index.js';
import type { Sink, SinkDeps } from './sink.js';
import type { WebhookSink } from './webhook/config.js';
import { createWebhookSink } from './webhook/index.js';

export { createElasticsearchSink } from './elasticsearch/index.js';
export type { Sink, SinkDeps, SinkStatus } from './sink.js';
export { createWebhookSink, type WebhookPayload } from './webhook/index.js';

/** The platforms this module builds sinks for. */
export type SinkPlatform = 'webhook' | 'elasticsearch';

/** An enabled sink of the config, as the agent's topology lists it. */
export interface SinkInstance {
  /** `<group>/<platform>`: the destination ID. */
  id: string;
  platform: SinkPlatform;
  /** The platform's validated config slice (`WebhookSink` or `ElasticsearchSink`). */
  settings: unknown;
}

/**
 * Builds the sink of one enabled platform from its validated slice. Does no I/O: the
 * first delivery connects.
 *
 * @throws SwitchboardError `SB_ERR_SINK_CONFIG` when the settings cannot be used (the
 *   message names the sink and the field) or the platform is not a sink.
 */
export function createSink(instance: SinkInstance, deps: SinkDeps): Sink {
  if (typeof instance.settings !== 'object' || instance.settings === null) {
    throw new SwitchboardError('SB_ERR_SINK_CONFIG', `sink ${instance.id}: settings are missing`);
  }
  switch (instance.platform) {
    case 'webhook':
      return createWebhookSink({ ...deps, id: instance.id, settings: instance.settings as WebhookSink });
    case 'elasticsearch':
      return createElasticsearchSink({
        ...deps,
        id: instance.id,
        settings: instance.settings as ElasticsearchSink,
      });
    default:
      throw new SwitchboardError(
        'SB_ERR_SINK_CONFIG',
        `sink ${instance.id}: unknown sink platform "${String((instance as { platform: unknown }).platform)}"; expected webhook or elasticsearch`,
      );
  }
}
