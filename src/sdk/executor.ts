import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { codeBlockMessage, encodeMessage, type Message, plaintextMessage } from '../contract/message.js';
import { grpcMethodDefinition, grpcServiceDefinition } from '../contract/service-definition.js';
import {
  type ExecuteRequest,
  ExecuteResponseSchema,
  Executor,
  HelpResponseSchema,
  MetadataResponseSchema,
} from '../gen/executor_pb.js';
import {
  ExecuteRequestSchema as V1ExecuteRequestSchema,
  ExecuteResponseSchema as V1ExecuteResponseSchema,
} from '../gen/switchboard/compat/v1_pb.js';
import { ExecuteRequestSchema as V2ExecuteRequestSchema } from '../gen/switchboard/compat/v2_pb.js';
import {
  type ExecuteChunk,
  ExecuteChunkSchema,
  StreamingExecutor,
} from '../gen/switchboard/v1/streaming_pb.js';
import { mergeConfigs } from './config-merge.js';
import { metadataResponseFields, type PluginMetadata, validateMetadata } from './metadata.js';
import type { PluginLogger } from './serve/plugin-log.js';
import { type ServedService, servePlugin } from './serve/plugin-server.js';
import { waitForDrain } from './serve/wait-for-drain.js';

/** The chat message a command came from, when the host knows it. */
export interface ExecuteMessageContext {
  text: string;
  url: string;
  /** Thread parent ID (Slack `thread_ts`); empty outside threads. */
  parentActivityId: string;
  user?: { mention: string; displayName: string };
}

/** Everything a plugin gets for one command. */
export interface ExecuteInput {
  /** The cleaned command, starting with the plugin's own command word. */
  command: string;
  /** Raw YAML of each bound config, in binding order. */
  rawConfigs: Uint8Array[];
  /** The configs merged in order (later wins, maps merge, lists replace). */
  config<T = Record<string, unknown>>(): T;
  context: {
    interactive: boolean;
    /** JSON of Slack block-action state, when there is some. */
    slackState?: Uint8Array;
    /** Kubeconfig file content; empty when the host has none for this call. */
    kubeConfig: Uint8Array;
    message?: ExecuteMessageContext;
    /** Base URL of the host's incoming webhooks (`…/sources/v1`); empty when unknown. */
    incomingWebhookBaseUrl: string;
  };
  /** Aborted when the host cancels the call or its deadline passes. */
  signal: AbortSignal;
  /** The app protocol version negotiated with the host. */
  protocolVersion: number;
  log: PluginLogger;
}

/**
 * An answer: a message, a message plus extra messages, plain text (shown as a
 * code block), or an async iterable of chunks for output that arrives over time.
 * A string chunk appends output; a Message chunk replaces everything shown so far.
 */
export type ExecuteOutput =
  | Message
  | string
  | { message: Message; messages?: Message[] }
  | AsyncIterable<string | Message>;

export interface ExecutorPlugin {
  metadata: PluginMetadata;
  execute(input: ExecuteInput): ExecuteOutput | Promise<ExecuteOutput>;
  /** The `<plugin> help` answer; defaults to the description. */
  help?(): Message | Promise<Message>;
}

/**
 * Serves an executor plugin over go-plugin: prints the handshake and answers
 * Execute, Help and Metadata (app protocols 1, 2 and 3), plus Switchboard's
 * streaming ExecuteStream. Never returns while the plugin runs.
 */
export async function serveExecutor(plugin: ExecutorPlugin): Promise<void> {
  validateMetadata(plugin.metadata);
  await servePlugin({
    name: 'executor',
    appVersions: [1, 2, 3],
    services: (appVersion, log) => executorServices(plugin, appVersion, log),
  });
}

function executorServices(plugin: ExecutorPlugin, appVersion: number, log: PluginLogger): ServedService[] {
  const metadata = create(MetadataResponseSchema, {
    ...metadataResponseFields(plugin.metadata),
  });

  const execute =
    appVersion >= 3 ? unaryExecute(plugin, appVersion, log) : legacyExecute(plugin, appVersion, log);
  const implementation: UntypedServiceImplementation = {
    execute,
    metadata: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) =>
      callback(null, metadata),
    help: (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      Promise.resolve(plugin.help ? plugin.help() : plaintextMessage(plugin.metadata.description))
        .then((help) => callback(null, create(HelpResponseSchema, { help: encodeMessage(help) })))
        .catch((err: unknown) => callback(toStatus(err)));
    },
  };
  const definition = grpcServiceDefinition(Executor);
  if (appVersion < 3) {
    const input = appVersion === 2 ? V2ExecuteRequestSchema : V1ExecuteRequestSchema;
    const output = appVersion === 2 ? ExecuteResponseSchema : V1ExecuteResponseSchema;
    definition.execute = grpcMethodDefinition({ path: '/executor.Executor/Execute', input, output });
  }
  return [
    { definition, implementation },
    {
      definition: grpcServiceDefinition(StreamingExecutor),
      implementation: { executeStream: streamingExecute(plugin, appVersion, log) },
    },
  ];
}

/** Normalises a request of any app protocol version into the v3 shape. */
interface AnyExecuteRequest {
  command: string;
  configs: { rawYAML: Uint8Array }[];
  context?: {
    isInteractivitySupported: boolean;
    slackState: Uint8Array;
    kubeConfig: Uint8Array;
    message?: {
      text: string;
      url: string;
      parentActivityId?: string;
      user?: { mention: string; displayName: string };
    };
    incomingWebhook?: { baseSourceURL: string };
  };
}

function toInput(
  request: AnyExecuteRequest,
  signal: AbortSignal,
  appVersion: number,
  log: PluginLogger,
): ExecuteInput {
  const ctx = request.context;
  const rawConfigs = request.configs.map((c) => c.rawYAML);
  const message = ctx?.message;
  return {
    command: request.command,
    rawConfigs,
    config: <T>() => mergeConfigs<T>(rawConfigs),
    context: {
      interactive: ctx?.isInteractivitySupported ?? false,
      ...(ctx?.slackState && ctx.slackState.length > 0 ? { slackState: ctx.slackState } : {}),
      kubeConfig: ctx?.kubeConfig ?? new Uint8Array(),
      ...(message
        ? {
            message: {
              text: message.text,
              url: message.url,
              parentActivityId: message.parentActivityId ?? '',
              ...(message.user
                ? { user: { mention: message.user.mention, displayName: message.user.displayName } }
                : {}),
            },
          }
        : {}),
      incomingWebhookBaseUrl: ctx?.incomingWebhook?.baseSourceURL ?? '',
    },
    signal,
    protocolVersion: appVersion,
    log,
  };
}

function abortOnCancel(call: { on(event: 'cancelled', listener: () => void): unknown }): AbortController {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort(new Error('cancelled by host')));
  return controller;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<string | Message> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** Collects any output form into one final answer (for unary Execute). */
async function collect(output: ExecuteOutput): Promise<{ message: Message; messages: Message[] }> {
  if (typeof output === 'string') return { message: codeBlockMessage(output), messages: [] };
  if (isAsyncIterable(output)) {
    let text = '';
    let last: Message | undefined;
    for await (const chunk of output) {
      if (typeof chunk === 'string') {
        text += chunk;
        last = undefined;
      } else {
        last = chunk;
        text = '';
      }
    }
    return { message: last ?? codeBlockMessage(text), messages: [] };
  }
  if ('message' in output && 'baseBody' in output.message) {
    const full = output as { message: Message; messages?: Message[] };
    return { message: full.message, messages: full.messages ?? [] };
  }
  return { message: output as Message, messages: [] };
}

function unaryExecute(plugin: ExecutorPlugin, appVersion: number, log: PluginLogger) {
  return (call: ServerUnaryCall<ExecuteRequest, unknown>, callback: sendUnaryData<unknown>) => {
    const controller = abortOnCancel(call);
    Promise.resolve()
      .then(() => plugin.execute(toInput(call.request, controller.signal, appVersion, log)))
      .then(collect)
      .then(({ message, messages }) =>
        callback(
          null,
          create(ExecuteResponseSchema, {
            message: encodeMessage(message),
            messages: messages.map((m) => encodeMessage(m)),
          }),
        ),
      )
      .catch((err: unknown) => callback(toStatus(err)));
  };
}

function legacyExecute(plugin: ExecutorPlugin, appVersion: number, log: PluginLogger) {
  return (call: ServerUnaryCall<AnyExecuteRequest, unknown>, callback: sendUnaryData<unknown>) => {
    const controller = abortOnCancel(call);
    Promise.resolve()
      .then(() => plugin.execute(toInput(call.request, controller.signal, appVersion, log)))
      .then(collect)
      .then(({ message }) => {
        if (appVersion === 2) {
          callback(null, create(ExecuteResponseSchema, { message: encodeMessage(message) }));
        } else {
          // v1 hosts read `data` as plain text; `message` carries the rich form.
          const data = message.baseBody.codeBlock ?? message.baseBody.plaintext ?? '';
          callback(null, create(V1ExecuteResponseSchema, { data, message: encodeMessage(message) }));
        }
      })
      .catch((err: unknown) => callback(toStatus(err)));
  };
}

function streamingExecute(plugin: ExecutorPlugin, appVersion: number, log: PluginLogger) {
  return (call: ServerWritableStream<ExecuteRequest, ExecuteChunk>) => {
    const controller = abortOnCancel(call);
    const send = async (chunk: MessageInitShape<typeof ExecuteChunkSchema>) => {
      if (call.cancelled) return;
      if (!call.write(create(ExecuteChunkSchema, chunk))) {
        await waitForDrain(call, controller.signal);
      }
    };
    (async () => {
      const output = await plugin.execute(toInput(call.request, controller.signal, appVersion, log));
      if (isAsyncIterable(output)) {
        for await (const chunk of output) {
          if (controller.signal.aborted) break;
          if (typeof chunk === 'string') {
            if (chunk !== '') await send({ kind: { case: 'output', value: chunk } });
          } else {
            await send({ kind: { case: 'message', value: encodeMessage(chunk) } });
          }
        }
      } else {
        const { message, messages } = await collect(output);
        await send({ kind: { case: 'message', value: encodeMessage(message) } });
        // After the answer, so a host that ignores this case still has the whole answer.
        if (messages.length > 0) {
          await send({ kind: { case: 'extra', value: { messages: messages.map((m) => encodeMessage(m)) } } });
        }
      }
      if (!call.cancelled) call.end();
    })().catch((err: unknown) => {
      // emit('error') makes grpc-js send the status; destroy() would leave the caller waiting.
      if (!call.cancelled) call.emit('error', toStatus(err));
    });
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A thrown error becomes gRPC UNKNOWN with its message, like a Go plugin returning an error. */
export function toStatus(err: unknown): { code: number; details: string } {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number') {
    return { code: err.code, details: errorText(err) };
  }
  return { code: status.UNKNOWN, details: errorText(err) };
}
