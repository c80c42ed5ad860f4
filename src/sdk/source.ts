import { create } from '@bufbuild/protobuf';
import {
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { encodeEvent, type SourceEvent } from '../contract/event.js';
import { grpcMethodDefinition, grpcServiceDefinition } from '../contract/service-definition.js';
import {
  type ExternalRequest,
  ExternalRequestResponseSchema,
  MetadataResponseSchema,
  Source,
  type StreamRequest,
  StreamResponseSchema,
} from '../gen/source_pb.js';
import {
  type StreamRequest as V1StreamRequest,
  StreamRequestSchema as V1StreamRequestSchema,
  StreamResponseSchema as V1StreamResponseSchema,
} from '../gen/switchboard/compat/v1_pb.js';
import { mergeConfigs } from './config-merge.js';
import { toStatus } from './executor.js';
import {
  metadataResponseFields,
  type PluginMetadata,
  type SchemaSpec,
  schemaToProto,
  validateMetadata,
} from './metadata.js';
import type { PluginLogger } from './serve/plugin-log.js';
import { type ServedService, servePlugin } from './serve/plugin-server.js';
import { waitForDrain } from './serve/wait-for-drain.js';

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
  stream?(input: StreamInput): AsyncIterable<SourceEvent>;
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
    services: (appVersion, log) => sourceServices(plugin, appVersion, log),
  });
}

function sourceServices(plugin: SourcePlugin, appVersion: number, log: PluginLogger): ServedService[] {
  const payloadSchema = schemaToProto(plugin.metadata.externalRequestPayloadSchema);
  const metadata = create(MetadataResponseSchema, {
    ...metadataResponseFields(plugin.metadata),
    ...(plugin.handleExternalRequest
      ? { externalRequest: { ...(payloadSchema ? { payload: { jsonSchema: payloadSchema } } : {}) } }
      : {}),
  });
  const implementation: UntypedServiceImplementation = {
    stream: streamHandler(plugin, appVersion, log),
    handleExternalRequest: externalRequestHandler(plugin, log),
    metadata: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
      callback(null, metadata),
  };
  const definition = grpcServiceDefinition(Source);
  if (appVersion === 1) {
    definition.stream = grpcMethodDefinition({
      path: '/source.Source/Stream',
      input: V1StreamRequestSchema,
      output: V1StreamResponseSchema,
      responseStream: true,
    });
    // App protocol 1 has no webhooks: leave the RPC out so it answers UNIMPLEMENTED.
    delete definition.handleExternalRequest;
    delete implementation.handleExternalRequest;
  }
  return [{ definition, implementation }];
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
  return (call: ServerWritableStream<StreamRequest | V1StreamRequest, unknown>) => {
    const produce = plugin.stream;
    if (!produce) {
      // emit('error') makes grpc-js send the status; destroy() would leave the host waiting.
      call.emit('error', {
        code: status.UNIMPLEMENTED,
        details: 'this source only handles incoming webhooks',
      });
      return;
    }
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort(new Error('stream closed by host')));
    const rawConfig = call.request.configs[0]?.rawYAML ?? new Uint8Array();
    const context =
      appVersion === 1
        ? v1SourceContext((call.request as V1StreamRequest).context)
        : toSourceContext((call.request as StreamRequest).context);
    const input: StreamInput = {
      rawConfig,
      config: <T>() => mergeConfigs<T>([rawConfig]),
      context,
      signal: controller.signal,
      protocolVersion: appVersion,
      log,
    };
    (async () => {
      for await (const event of produce(input)) {
        if (controller.signal.aborted) break;
        const encoded = encodeEvent(event);
        const response =
          appVersion === 1
            ? create(V1StreamResponseSchema, { event: encoded })
            : create(StreamResponseSchema, { event: encoded });
        if (!call.write(response)) {
          await waitForDrain(call, controller.signal);
        }
      }
      if (!call.cancelled) call.end();
    })().catch((err: unknown) => {
      log.error('stream failed', { error: err instanceof Error ? err.message : String(err) });
      if (!call.cancelled) call.emit('error', toStatus(err));
    });
  };
}

function externalRequestHandler(plugin: SourcePlugin, log: PluginLogger) {
  return (call: ServerUnaryCall<ExternalRequest, unknown>, callback: sendUnaryData<unknown>) => {
    const handle = plugin.handleExternalRequest;
    if (!handle) {
      callback({ code: status.UNIMPLEMENTED, details: 'this source does not handle incoming webhooks' });
      return;
    }
    const rawConfig = call.request.config?.rawYAML ?? new Uint8Array();
    const payload = call.request.payload;
    const input: ExternalRequestInput = {
      payload,
      json: <T>() => JSON.parse(Buffer.from(payload).toString('utf8')) as T,
      rawConfig,
      config: <T>() => mergeConfigs<T>([rawConfig]),
      context: toSourceContext({
        sourceContext: call.request.context?.sourceContext,
      } as StreamRequest['context']),
      log,
    };
    Promise.resolve()
      .then(() => handle(input))
      .then((event) => callback(null, create(ExternalRequestResponseSchema, { event: encodeEvent(event) })))
      .catch((err: unknown) => callback(toStatus(err)));
  };
}
