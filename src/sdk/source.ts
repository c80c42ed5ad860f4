import { encodeEvent, type SourceEvent } from '../contract/event.js';
import type { ExternalRequest, StreamRequest } from '../gen/source_pb.js';
import type { StreamRequest as V1StreamRequest } from '../gen/switchboard/compat/v1_pb.js';
import { mergeConfigs } from './config-merge.js';
import {
  metadataResponseFields,
  type PluginMetadata,
  type SchemaSpec,
  schemaToProto,
  validateMetadata,
} from './metadata.js';
import type { CallContext, LazyRoute } from './serve/grpc-server.js';
import { grpcStatus } from './serve/grpc-status.js';
import type { PluginLogger } from './serve/plugin-log.js';
import { servePlugin } from './serve/plugin-server.js';
import { lazyRoute, methodPaths, streamRoute, unaryRoute } from './serve/routes.js';

/** Where a stream or webhook call comes from. */
export interface SourceContext {
  interactive: boolean;
  clusterName: string;
  /** The source group name in the host's config. */
  sourceName: string;
  incomingWebhook: { baseUrl: string; fullUrlForSource: string };
}

export interface StreamInput {
  rawConfig: Uint8Array;
  /** The stream's config, parsed from YAML. */
  config<T = Record<string, unknown>>(): T;
  context: SourceContext & { kubeConfig: Uint8Array };
  /** Aborted when the host closes the stream. */
  signal: AbortSignal;
  protocolVersion: number;
  log: PluginLogger;
  /**
   * The cursor of the last event of this stream the host kept (a {@link StreamEvent.cursor}
   * this plugin sent earlier, perhaps from another process or another version of the config),
   * or undefined: start fresh. A plugin that can, reports what happened since; a cursor it
   * cannot use (unknown format, too old) is ignored with a warning. Botkube hosts never send one.
   */
  resumeCursor?: string;
}

/**
 * An event a stream yields, optionally with a cursor: an opaque string (keep it small) meaning
 * "every event up to and including this one was sent". Hosts that keep cursors (Switchboard)
 * store the latest one they delivered and pass it back as {@link StreamInput.resumeCursor}
 * when the stream opens again; other hosts (Botkube) ignore it.
 */
export interface StreamEvent extends SourceEvent {
  cursor?: string;
}

export interface ExternalRequestInput {
  /** The raw HTTP body the host received. */
  payload: Uint8Array;
  /** The body parsed as JSON; throws when it is not JSON. */
  json<T = unknown>(): T;
  rawConfig: Uint8Array;
  config<T = Record<string, unknown>>(): T;
  context: SourceContext;
  log: PluginLogger;
}

export interface SourcePluginMetadata extends PluginMetadata {
  /** Schema of incoming webhook payloads, for sources that handle them. */
  externalRequestPayloadSchema?: SchemaSpec;
}

export interface SourcePlugin {
  metadata: SourcePluginMetadata;
  /** Events for one configured stream; ends when the iterable ends or `signal` aborts. Omit for webhook-only sources. */
  stream?(input: StreamInput): AsyncIterable<StreamEvent>;
  /** Turns one incoming webhook call into an event. Omit for stream-only sources. */
  handleExternalRequest?(input: ExternalRequestInput): SourceEvent | Promise<SourceEvent>;
}

/**
 * Serves a source plugin over go-plugin: Stream (server streaming, with
 * backpressure), HandleExternalRequest and Metadata, for app protocols 1-3.
 * An omitted handler answers UNIMPLEMENTED, which hosts read as "not supported".
 */
export async function serveSource(plugin: SourcePlugin): Promise<void> {
  validateMetadata(plugin.metadata);
  await servePlugin({
    name: 'source',
    appVersions: [1, 2, 3],
    routes: (appVersion, log) => sourceRoutes(plugin, appVersion, log),
  });
}

/** The generated descriptors, loaded by the first call that needs them (see LazyRoute). */
const sourceDescriptors = () => import('../gen/source_pb.js');

function sourceRoutes(plugin: SourcePlugin, appVersion: number, log: PluginLogger): [string, LazyRoute][] {
  const payloadSchema = schemaToProto(plugin.metadata.externalRequestPayloadSchema);
  const metadata = {
    ...metadataResponseFields(plugin.metadata),
    ...(plugin.handleExternalRequest
      ? { externalRequest: { ...(payloadSchema ? { payload: { jsonSchema: payloadSchema } } : {}) } }
      : {}),
  };
  const stream = streamHandler(plugin, appVersion, log);
  const routes: [string, LazyRoute][] = [
    [
      methodPaths.sourceMetadata,
      lazyRoute(async () => {
        const { method } = (await sourceDescriptors()).Source;
        return unaryRoute(method.metadata.input, method.metadata.output, () => metadata);
      }),
    ],
    [
      methodPaths.stream,
      lazyRoute(async () => {
        if (appVersion === 1) {
          const v1 = await import('../gen/switchboard/compat/v1_pb.js');
          return streamRoute(v1.StreamRequestSchema, v1.StreamResponseSchema, stream);
        }
        const { method } = (await sourceDescriptors()).Source;
        return streamRoute(method.stream.input, method.stream.output, stream);
      }),
    ],
  ];
  // App protocol 1 has no webhooks: the RPC is left out so it answers UNIMPLEMENTED.
  if (appVersion !== 1) {
    routes.push([
      methodPaths.handleExternalRequest,
      lazyRoute(async () => {
        const { method } = (await sourceDescriptors()).Source;
        return unaryRoute(
          method.handleExternalRequest.input,
          method.handleExternalRequest.output,
          (request) => externalRequest(plugin, request, log),
        );
      }),
    ]);
  }
  return routes;
}

function toSourceContext(
  ctx: StreamRequest['context'] | undefined,
): SourceContext & { kubeConfig: Uint8Array } {
  const source = ctx?.sourceContext;
  return {
    interactive: source?.isInteractivitySupported ?? false,
    clusterName: source?.clusterName ?? '',
    sourceName: source?.sourceName ?? '',
    incomingWebhook: {
      baseUrl: source?.incomingWebhook?.baseURL ?? '',
      fullUrlForSource: source?.incomingWebhook?.fullURLForSource ?? '',
    },
    kubeConfig: ctx?.kubeConfig ?? new Uint8Array(),
  };
}

function v1SourceContext(ctx: V1StreamRequest['context']): SourceContext & { kubeConfig: Uint8Array } {
  return {
    interactive: ctx?.isInteractivitySupported ?? false,
    clusterName: ctx?.clusterName ?? '',
    sourceName: '',
    incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
    kubeConfig: ctx?.kubeConfig ?? new Uint8Array(),
  };
}

function streamHandler(plugin: SourcePlugin, appVersion: number, log: PluginLogger) {
  return async (
    request: StreamRequest | V1StreamRequest,
    call: CallContext,
    send: (response: { event: Uint8Array; cursor?: string }) => Promise<void>,
  ): Promise<void> => {
    const produce = plugin.stream;
    if (!produce) {
      throw { code: grpcStatus.UNIMPLEMENTED, details: 'this source only handles incoming webhooks' };
    }
    const rawConfig = request.configs[0]?.rawYAML ?? new Uint8Array();
    const context =
      appVersion === 1
        ? v1SourceContext((request as V1StreamRequest).context)
        : toSourceContext((request as StreamRequest).context);
    const resumeCursor = appVersion === 1 ? '' : ((request as StreamRequest).context?.resumeCursor ?? '');
    const input: StreamInput = {
      rawConfig,
      config: <T>() => mergeConfigs<T>([rawConfig]),
      context,
      signal: call.signal,
      protocolVersion: appVersion,
      log,
      ...(resumeCursor ? { resumeCursor } : {}),
    };
    try {
      for await (const { cursor, ...event } of produce(input)) {
        if (call.signal.aborted) break;
        // App protocol 1's response has no cursor field; an empty one is not written at all.
        await send({ event: encodeEvent(event), ...(cursor && appVersion !== 1 ? { cursor } : {}) });
      }
    } catch (err) {
      log.error('stream failed', { error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };
}

async function externalRequest(plugin: SourcePlugin, request: ExternalRequest, log: PluginLogger) {
  const handle = plugin.handleExternalRequest;
  if (!handle) {
    throw { code: grpcStatus.UNIMPLEMENTED, details: 'this source does not handle incoming webhooks' };
  }
  const rawConfig = request.config?.rawYAML ?? new Uint8Array();
  const payload = request.payload;
  const input: ExternalRequestInput = {
    payload,
    json: <T>() => JSON.parse(Buffer.from(payload).toString('utf8')) as T,
    rawConfig,
    config: <T>() => mergeConfigs<T>([rawConfig]),
    context: toSourceContext({
      sourceContext: request.context?.sourceContext,
    } as StreamRequest['context']),
    log,
  };
  return { event: encodeEvent(await handle(input)) };
}
