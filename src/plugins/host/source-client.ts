import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { encodeEvent } from '../../contract/event.js';
import { plaintextMessage } from '../../contract/message.js';
import { grpcMethodDefinition, grpcServiceDefinition } from '../../contract/service-definition.js';
import { PluginError } from '../../errors/switchboard-error.js';
import {
  type ExternalRequestResponse,
  ExternalRequestSchema,
  type MetadataResponse,
  Source,
  type StreamRequest,
  StreamRequestSchema,
  type StreamResponse,
} from '../../gen/source_pb.js';
import {
  StreamRequestSchema as V1StreamRequestSchema,
  StreamResponseSchema as V1StreamResponseSchema,
} from '../../gen/switchboard/compat/v1_pb.js';
import { metadataFromProto, type PluginMetadataInfo } from './metadata.js';
import type { PluginHandle } from './plugin-handle.js';
import { type CallOptions, serverStreamCall, serverStreamEach, unaryCall } from './rpc-call.js';

/** Where a stream or webhook call comes from, as Botkube sends it. */
export interface SourceCallContext {
  interactive: boolean;
  clusterName: string;
  /** The source group name. */
  sourceName: string;
  incomingWebhook: { baseUrl: string; fullUrlForSource: string };
}

export interface StreamCall {
  /** Raw YAML of the stream's one config. */
  config: Uint8Array;
  context: SourceCallContext;
  kubeConfig?: Uint8Array;
  /**
   * A cursor the plugin sent with an earlier event of this stream: the plugin reports what
   * happened since (Switchboard extension; Go plugins ignore it). Not sent on app protocol 1.
   */
  resumeCursor?: string;
}

export interface ExternalRequestCall {
  payload: Uint8Array;
  config: Uint8Array;
  context: SourceCallContext;
}

/** Calls to a source plugin. Events are JSON source.Event bytes, as the plugin wrote them. */
export interface SourceClient {
  /** One stream; it ends when the plugin ends it (OK) and throws PluginError on failure. */
  stream(call: StreamCall, options?: CallOptions): AsyncIterable<Uint8Array>;
  /**
   * The same stream handed to `onEvent` event by event, with no layer in between (the agent's
   * path); a promise returned by `onEvent` pauses the stream until it settles. `cursor` is the
   * event's cursor when the plugin sent one (never on app protocol 1). Resolves when the plugin
   * ends the stream; rejects like `stream` throws.
   */
  each(
    call: StreamCall,
    onEvent: (event: Uint8Array, cursor?: string) => void | PromiseLike<void>,
    options?: CallOptions,
  ): Promise<void>;
  handleExternalRequest(call: ExternalRequestCall, options?: CallOptions): Promise<Uint8Array>;
  metadata(options?: CallOptions): Promise<PluginMetadataInfo>;
}

const v3 = grpcServiceDefinition(Source);
const streamV1 = grpcMethodDefinition({
  path: '/source.Source/Stream',
  input: V1StreamRequestSchema,
  output: V1StreamResponseSchema,
  responseStream: true,
});

function sourceContext(context: SourceCallContext) {
  return {
    isInteractivitySupported: context.interactive,
    clusterName: context.clusterName,
    sourceName: context.sourceName,
    incomingWebhook: {
      baseURL: context.incomingWebhook.baseUrl,
      fullURLForSource: context.incomingWebhook.fullUrlForSource,
    },
  };
}

/** Creates a client over a handle; streams have no deadline, unary calls do. */
export function createSourceClient(
  handle: PluginHandle,
  options: { defaultDeadlineMs?: number } = {},
): SourceClient {
  const defaultDeadline = options.defaultDeadlineMs ?? 30_000;
  const limits = (opts: CallOptions) => ({ ...opts, deadlineMs: opts.deadlineMs ?? defaultDeadline });

  const v1Request = (call: StreamCall) =>
    create(V1StreamRequestSchema, {
      configs: [{ rawYAML: call.config }],
      context: {
        isInteractivitySupported: call.context.interactive,
        kubeConfig: call.kubeConfig ?? new Uint8Array(),
        clusterName: call.context.clusterName,
      },
    });
  const v3Request = (call: StreamCall) =>
    create(StreamRequestSchema, {
      configs: [{ rawYAML: call.config }],
      // Always present: Go adapters dereference it.
      context: {
        sourceContext: sourceContext(call.context),
        kubeConfig: call.kubeConfig ?? new Uint8Array(),
        resumeCursor: call.resumeCursor ?? '',
      },
    });
  // Early app-protocol-1 sources sent plain text in `output`.
  const v1Event = ({ event, output }: { event: Uint8Array; output: Uint8Array }) =>
    event.length > 0
      ? event
      : encodeEvent({ message: plaintextMessage(Buffer.from(output).toString('utf8')) });

  async function* stream(call: StreamCall, opts: CallOptions = {}): AsyncGenerator<Uint8Array> {
    const instance = await handle.acquire(defaultDeadline);
    if (instance.appVersion === 1) {
      for await (const response of serverStreamCall(
        instance,
        streamV1 as never,
        v1Request(call) as never,
        opts,
      )) {
        yield v1Event(response as { event: Uint8Array; output: Uint8Array });
      }
      return;
    }
    for await (const response of serverStreamCall<StreamRequest, StreamResponse>(
      instance,
      v3.stream as never,
      v3Request(call),
      opts,
    )) {
      yield response.event;
    }
  }

  async function each(
    call: StreamCall,
    onEvent: (event: Uint8Array, cursor?: string) => void | PromiseLike<void>,
    opts: CallOptions = {},
  ): Promise<void> {
    const instance = await handle.acquire(defaultDeadline);
    if (instance.appVersion === 1) {
      return serverStreamEach(
        instance,
        streamV1 as never,
        v1Request(call) as never,
        (response: { event: Uint8Array; output: Uint8Array }) => onEvent(v1Event(response)),
        opts,
      );
    }
    return serverStreamEach<StreamRequest, StreamResponse>(
      instance,
      v3.stream as never,
      v3Request(call),
      (response) => (response.cursor ? onEvent(response.event, response.cursor) : onEvent(response.event)),
      opts,
    );
  }

  return {
    stream,
    each,
    async handleExternalRequest(call, opts = {}) {
      const instance = await handle.acquire(opts.deadlineMs ?? defaultDeadline);
      if (instance.appVersion === 1) {
        throw new PluginError(
          'SB_ERR_PLUGIN_UNIMPLEMENTED',
          `plugin ${instance.name} speaks app protocol 1, which has no incoming webhooks`,
          { details: { plugin: instance.name } },
        );
      }
      const request = create(ExternalRequestSchema, {
        payload: call.payload,
        config: { rawYAML: call.config },
        context: { sourceContext: sourceContext(call.context) },
      });
      const response = await unaryCall<unknown, ExternalRequestResponse>(
        instance,
        v3.handleExternalRequest as never,
        request,
        limits(opts),
      );
      return response.event;
    },
    async metadata(opts = {}) {
      const instance = await handle.acquire(opts.deadlineMs ?? defaultDeadline);
      const response = await unaryCall<unknown, MetadataResponse>(
        instance,
        v3.metadata as never,
        create(EmptySchema),
        limits(opts),
      );
      return metadataFromProto(response);
    },
  };
}
