import type { PlatformDescriptor } from '../../platforms/descriptor.js';
import { sinkCapabilities } from '../sink.js';
import { ElasticsearchSink } from './config.js';

/** The Elasticsearch sink (`communications.<group>.elasticsearch`). */
export const elasticsearchDescriptor: PlatformDescriptor<ElasticsearchSink, 'elasticsearch', 'sink'> = {
  key: 'elasticsearch',
  kind: 'sink',
  status: { state: 'implemented' },
  slice: ElasticsearchSink,
  requiredSecrets: [],
  capabilities: sinkCapabilities,
  channelsBy: 'none',
  bindings: { at: 'keyed', under: 'indices', noun: 'index' },
  async load() {
    const { createElasticsearchSink } = await import('./index.js');
    return {
      create: ({ id, settings, logger, clusterName }) =>
        createElasticsearchSink({ id, settings, logger, ...(clusterName ? { clusterName } : {}) }),
    };
  },
};
