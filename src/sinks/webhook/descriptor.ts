import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { sinkCapabilities } from '../sink.js';
import { WebhookSink } from './config.js';

/** The outgoing webhook sink (`communications.<group>.webhook`). */
export const webhookDescriptor: PlatformDescriptor<WebhookSink, 'webhook', 'sink'> = {
  key: 'webhook',
  kind: 'sink',
  status: { state: 'implemented' },
  slice: WebhookSink,
  requiredSecrets: ['url'],
  capabilities: sinkCapabilities,
  channelsBy: 'none',
  bindings: { at: 'section' },
  async load() {
    const { createWebhookSink } = await import('./index.js');
    return {
      create: ({ id, settings, logger, clusterName, sinkConcurrency }) =>
        createWebhookSink({
          id,
          settings,
          logger,
          ...(clusterName ? { clusterName } : {}),
          ...(sinkConcurrency ? { connections: sinkConcurrency } : {}),
        }),
    };
  },
};
