import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { codeBlockMessage, encodeMessage } from '../../contract/message.js';
import { grpcMethodDefinition, grpcServiceDefinition } from '../../contract/service-definition.js';
import { hasCode } from '../../errors/switchboard-error.js';
import {
  type ExecuteRequest,
  ExecuteRequestSchema,
  type ExecuteResponse,
  ExecuteResponseSchema,
  Executor,
  type HelpResponse,
  type MetadataResponse,
} from '../../gen/executor_pb.js';
import {
  ExecuteRequestSchema as V1ExecuteRequestSchema,
  ExecuteResponseSchema as V1ExecuteResponseSchema,
} from '../../gen/switchboard/compat/v1_pb.js';
import { ExecuteRequestSchema as V2ExecuteRequestSchema } from '../../gen/switchboard/compat/v2_pb.js';
import { type ExecuteChunk, StreamingExecutor } from '../../gen/switchboard/v1/streaming_pb.js';
import { metadataFromProto, type PluginMetadataInfo } from './metadata.js';
import type { PluginHandle } from './plugin-handle.js';
import type { PluginInstance } from './plugin-instance.js';
import { type CallOptions, serverStreamCall, unaryCall } from './rpc-call.js';

/** One command for an executor, independent of the plugin's app protocol version. */
export interface ExecuteCall {
  command: string;
  /** Raw YAML of each bound config, in binding order. */
  configs: Uint8Array[];
  context: {
    interactive: boolean;
    slackState?: Uint8Array;
    kubeConfig?: Uint8Array;
    message?: {
      text: string;
      url: string;
      parentActivityId: string;
      user?: { mention: string; displayName: string };
    };
    incomingWebhookBaseUrl: string;
  };
}

/** The answer: JSON api.Message bytes, as the plugin wrote them. */
export interface ExecuteAnswer {
  message: Uint8Array;
  messages: Uint8Array[];
}

/**
 * A piece of streamed output: appended text, a whole message replacing what was shown, or
 * extra JSON api.Messages that go with the answer (ExecuteResponse `messages`), each meant to
 * be posted on its own after it. Extras come after the answer's last output or message.
 */
export type ExecuteChunkOut =
  | { kind: 'output'; text: string }
  | { kind: 'message'; message: Uint8Array }
  | { kind: 'extra'; messages: Uint8Array[] };

/** Calls to an executor plugin. Every call has a deadline; failures are PluginErrors. */
export interface ExecutorClient {
  execute(call: ExecuteCall, options?: CallOptions): Promise<ExecuteAnswer>;
  /**
   * Streams output via switchboard.v1 when the plugin serves it, else the Execute answer as
   * one message chunk, followed by one extra chunk when it has `messages`.
   */
  executeStreaming(call: ExecuteCall, options?: CallOptions): AsyncIterable<ExecuteChunkOut>;
  help(options?: CallOptions): Promise<Uint8Array>;
  metadata(options?: CallOptions): Promise<PluginMetadataInfo>;
}

export interface ExecutorClientOptions {
  /** Deadline for calls that give none. */
  defaultDeadlineMs?: number;
}

const v3 = grpcServiceDefinition(Executor);
const streaming = grpcServiceDefinition(StreamingExecutor);
const executeV2 = grpcMethodDefinition({
  path: '/executor.Executor/Execute',
  input: V2ExecuteRequestSchema,
  output: ExecuteResponseSchema,
});
const executeV1 = grpcMethodDefinition({
  path: '/executor.Executor/Execute',
  input: V1ExecuteRequestSchema,
  output: V1ExecuteResponseSchema,
});

/** Builds the v3 request; `context` and `context.incomingWebhook` are always present (Go adapters dereference them). */
export function toV3Request(call: ExecuteCall): ExecuteRequest {
  const { context } = call;
  return create(ExecuteRequestSchema, {
    command: call.command,
    configs: call.configs.map((rawYAML) => ({ rawYAML })),
    context: {
      isInteractivitySupported: context.interactive,
      // Never present-but-empty: Go plugins json.Unmarshal any non-nil value.
      ...(context.slackState && context.slackState.length > 0 ? { slackState: context.slackState } : {}),
      kubeConfig: context.kubeConfig ?? new Uint8Array(),
      ...(context.message ? { message: context.message } : {}),
      incomingWebhook: { baseSourceURL: context.incomingWebhookBaseUrl },
    },
  });
}

/** Creates a client over a handle; each call acquires the current instance. */
export function createExecutorClient(
  handle: PluginHandle,
  options: ExecutorClientOptions = {},
): ExecutorClient {
  const defaultDeadline = options.defaultDeadlineMs ?? 30_000;
  let streamingUnsupported: PluginInstance | undefined;

  const acquire = (opts: CallOptions) => handle.acquire(opts.deadlineMs ?? defaultDeadline);
  const limits = (opts: CallOptions) => ({ ...opts, deadlineMs: opts.deadlineMs ?? defaultDeadline });

  const execute = async (call: ExecuteCall, opts: CallOptions = {}): Promise<ExecuteAnswer> => {
    const instance = await acquire(opts);
    const request = toV3Request(call);
    if (instance.appVersion === 3) {
      const response = await unaryCall<ExecuteRequest, ExecuteResponse>(
        instance,
        v3.execute as never,
        request,
        limits(opts),
      );
      return { message: response.message, messages: response.messages };
    }
    if (instance.appVersion === 2) {
      const { context } = request;
      const message = context?.message;
      const v2Request = create(V2ExecuteRequestSchema, {
        command: request.command,
        configs: request.configs,
        context: {
          isInteractivitySupported: context?.isInteractivitySupported ?? false,
          slackState: context?.slackState ?? new Uint8Array(),
          kubeConfig: context?.kubeConfig ?? new Uint8Array(),
          ...(message ? { message: { text: message.text, url: message.url, user: message.user } } : {}),
        },
      });
      const response = await unaryCall(instance, executeV2 as never, v2Request as never, limits(opts));
      const answer = response as ExecuteResponse;
      return { message: answer.message, messages: answer.messages };
    }
    const v1Request = create(V1ExecuteRequestSchema, {
      command: request.command,
      configs: request.configs,
      context: {
        isInteractivitySupported: request.context?.isInteractivitySupported ?? false,
        slackState: request.context?.slackState ?? new Uint8Array(),
        kubeConfig: request.context?.kubeConfig ?? new Uint8Array(),
      },
    });
    const response = (await unaryCall(instance, executeV1 as never, v1Request as never, limits(opts))) as {
      data: string;
      message: Uint8Array;
    };
    // App protocol 1 answers plain text in `data`; a JSON message, when present, is richer.
    const message =
      response.message.length > 0 ? response.message : encodeMessage(codeBlockMessage(response.data));
    return { message, messages: [] };
  };

  async function* executeStreaming(
    call: ExecuteCall,
    opts: CallOptions = {},
  ): AsyncGenerator<ExecuteChunkOut> {
    const instance = await acquire(opts);
    if (streamingUnsupported !== instance) {
      try {
        for await (const chunk of serverStreamCall<ExecuteRequest, ExecuteChunk>(
          instance,
          streaming.executeStream as never,
          toV3Request(call),
          limits(opts),
        )) {
          if (chunk.kind.case === 'output') yield { kind: 'output', text: chunk.kind.value };
          else if (chunk.kind.case === 'message') yield { kind: 'message', message: chunk.kind.value };
          else if (chunk.kind.case === 'extra' && chunk.kind.value.messages.length > 0) {
            yield { kind: 'extra', messages: chunk.kind.value.messages };
          }
        }
        return;
      } catch (err) {
        if (!hasCode(err, 'SB_ERR_PLUGIN_UNIMPLEMENTED')) throw err;
        // Botkube plugins do not serve switchboard.v1; remember per process and fall back.
        streamingUnsupported = instance;
      }
    }
    const answer = await execute(call, opts);
    yield { kind: 'message', message: answer.message };
    // App protocol 1 answers have no `messages`; execute() gives [] for them.
    if (answer.messages.length > 0) yield { kind: 'extra', messages: answer.messages };
  }

  return {
    execute,
    executeStreaming,
    async help(opts = {}) {
      const instance = await acquire(opts);
      const response = await unaryCall<unknown, HelpResponse>(
        instance,
        v3.help as never,
        create(EmptySchema),
        limits(opts),
      );
      return response.help;
    },
    async metadata(opts = {}) {
      const instance = await acquire(opts);
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
