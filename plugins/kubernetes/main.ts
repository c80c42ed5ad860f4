/**
 * The kubernetes source: Kubernetes object changes and Warning events as chat messages,
 * accepting Botkube's `botkube/kubernetes` config unchanged. See README.md.
 */
import { type StreamEvent, serveSource } from '../../src/sdk/index.js';
import { type ClusterHub, createClusterHub } from './cluster-hub.js';
import { kubernetesConfigSchema, readKubernetesConfig } from './config.js';
import { createEventQueue } from './event-queue.js';
import { createKubeClient, loadKubeConfig } from './kube-client.js';
import { startKubernetesStream } from './stream.js';

// Streams with the same kubeconfig share one hub, so a resource is listed and watched once
// however many source groups watch it; the hub goes when its last stream ends.
const hubs = new Map<string, { hub: ClusterHub; streams: number }>();

await serveSource({
  metadata: {
    version: '1.0.0',
    description:
      'Kubernetes events (create, update, delete, warnings) in chat; accepts Botkube kubernetes source config.',
    jsonSchema: kubernetesConfigSchema,
  },
  async *stream(input): AsyncGenerator<StreamEvent> {
    const read = readKubernetesConfig(input.config());
    const { config: kubeConfig, origin } = loadKubeConfig(input.context.kubeConfig, process.env);
    const client = createKubeClient(kubeConfig);
    const hubKey = `${origin}\n${kubeConfig.exportConfig()}`;
    let shared = hubs.get(hubKey);
    if (!shared) {
      shared = { hub: createClusterHub({ client, log: input.log }), streams: 0 };
      hubs.set(hubKey, shared);
    }
    shared.streams += 1;
    const queue = createEventQueue<StreamEvent>();
    const stream = startKubernetesStream({
      config: read,
      hub: shared.hub,
      interactive: input.context.interactive,
      clusterName: input.context.clusterName,
      log: input.log,
      emit: (event) => queue.push(event),
      ...(input.resumeCursor ? { resumeCursor: input.resumeCursor } : {}),
    });
    input.log.info('stream started', {
      source: input.context.sourceName,
      server: client.server,
      kubeconfig: origin,
      resumed: input.resumeCursor !== undefined,
    });
    void stream.ready.then(() => input.log.info('stream ready', { source: input.context.sourceName }));
    try {
      yield* queue.drain(input.signal);
    } finally {
      stream.stop();
      shared.streams -= 1;
      if (shared.streams === 0) hubs.delete(hubKey);
      if (queue.dropped() > 0)
        input.log.warn('events dropped: the host read too slowly', { dropped: queue.dropped() });
    }
  },
});
