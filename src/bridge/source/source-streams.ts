import type { Logger } from '../../log/logger.js';
import type { SourceCallContext, SourceClient } from '../../plugins/host/source-client.js';
import { keepStreaming, type StreamState } from './stream-keeper.js';

/** One plugin entry of a source group to stream. */
export interface SourceStreamSpec {
  group: string;
  pluginKey: string;
  client: SourceClient;
  /** The entry's `config`, as YAML. */
  config: Uint8Array;
  context: SourceCallContext;
  kubeConfig?: Uint8Array;
  /** Where the stream starts: a cursor the plugin sent earlier (see StreamCall.resumeCursor). */
  resumeCursor?: string;
}

export interface RunningStream {
  spec: SourceStreamSpec;
  state: StreamState;
  lastReason?: string;
  stop(): Promise<void>;
}

/**
 * Opens and keeps open one stream per (source group, plugin) — every plugin of a
 * group, unlike Botkube, which streams only one. Each event goes to `onEvent`
 * with its group and the cursor the plugin sent with it; a stream failing or ending never
 * affects the others. A re-opened stream resumes from the latest cursor.
 */
export function startSourceStream(
  spec: SourceStreamSpec,
  onEvent: (group: string, event: Uint8Array, cursor?: string) => void | Promise<void>,
  logger: Logger,
): RunningStream {
  const log = logger.child({ component: 'source-bridge', source: spec.group, plugin: spec.pluginKey });
  const controller = new AbortController();
  const running: RunningStream = {
    spec,
    state: 'opening',
    stop: async () => {
      controller.abort();
      await done;
    },
  };
  const done = keepStreaming({
    client: spec.client,
    call: {
      config: spec.config,
      context: spec.context,
      ...(spec.kubeConfig ? { kubeConfig: spec.kubeConfig } : {}),
      ...(spec.resumeCursor ? { resumeCursor: spec.resumeCursor } : {}),
    },
    onEvent: (event, cursor) => (cursor ? onEvent(spec.group, event, cursor) : onEvent(spec.group, event)),
    onState: (state, reason) => {
      running.state = state;
      if (reason !== undefined) running.lastReason = reason;
      if (state === 'waiting') log.warn({ reason }, 'source stream interrupted; re-opening');
      else if (state === 'open') log.info('source stream open');
      else if (state === 'unsupported') log.info('source does not stream; it takes incoming webhooks only');
    },
    signal: controller.signal,
  });
  return running;
}
