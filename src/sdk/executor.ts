import type { MessageInitShape } from '@bufbuild/protobuf';
import { codeBlockMessage, encodeMessage, type Message, plaintextMessage } from '../contract/message.js';
import type { ExecuteChunkSchema } from '../gen/switchboard/v1/streaming_pb.js';
import { mergeConfigs } from './config-merge.js';
import { metadataResponseFields, type PluginMetadata, validateMetadata } from './metadata.js';
import type { LazyRoute, Route } from './serve/grpc-server.js';
import type { PluginLogger } from './serve/plugin-log.js';
import { servePlugin } from './serve/plugin-server.js';
import { lazyRoute, methodPaths, streamRoute, unaryRoute } from './serve/routes.js';

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
    routes: (appVersion, log) => executorRoutes(plugin, appVersion, log),
  });
}

/** The generated descriptors, loaded by the first call that needs them (see LazyRoute). */
const executorDescriptors = () => import('../gen/executor_pb.js');

function executorRoutes(
  plugin: ExecutorPlugin,
  appVersion: number,
  log: PluginLogger,
): [string, LazyRoute][] {
  const metadata = metadataResponseFields(plugin.metadata);
  const help = async () => ({
    help: encodeMessage(await (plugin.help ? plugin.help() : plaintextMessage(plugin.metadata.description))),
  });
  return [
    [methodPaths.execute, lazyRoute(() => executeRoute(plugin, appVersion, log))],
    [
      methodPaths.executorMetadata,
      lazyRoute(async () => {
        const { method } = (await executorDescriptors()).Executor;
        return unaryRoute(method.metadata.input, method.metadata.output, () => metadata);
      }),
    ],
    [
      methodPaths.help,
      lazyRoute(async () => {
        const { method } = (await executorDescriptors()).Executor;
        return unaryRoute(method.help.input, method.help.output, help);
      }),
    ],
    [
      methodPaths.executeStream,
      lazyRoute(async () => {
        const stream = (await import('../gen/switchboard/v1/streaming_pb.js')).StreamingExecutor.method
          .executeStream;
        return streamRoute(stream.input, stream.output, (request, call, send) =>
          streamingExecute(plugin, toInput(request, call.signal, appVersion, log), send),
        );
      }),
    ],
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

/**
 * Execute on the v3 paths: app protocols 1 and 2 reuse `/executor.Executor/Execute` with their own
 * message layouts (switchboard.compat.v1/v2).
 */
async function executeRoute(plugin: ExecutorPlugin, appVersion: number, log: PluginLogger): Promise<Route> {
  const run = async (request: AnyExecuteRequest, signal: AbortSignal) =>
    collect(await plugin.execute(toInput(request, signal, appVersion, log)));
  const { ExecuteResponseSchema, Executor } = await executorDescriptors();
  if (appVersion >= 3) {
    return unaryRoute(Executor.method.execute.input, ExecuteResponseSchema, async (request, call) => {
      const { message, messages } = await run(request, call.signal);
      return { message: encodeMessage(message), messages: messages.map((m) => encodeMessage(m)) };
    });
  }
  if (appVersion === 2) {
    const { ExecuteRequestSchema: V2ExecuteRequestSchema } = await import(
      '../gen/switchboard/compat/v2_pb.js'
    );
    return unaryRoute(V2ExecuteRequestSchema, ExecuteResponseSchema, async (request, call) => {
      const { message } = await run(request, call.signal);
      return { message: encodeMessage(message) };
    });
  }
  const { ExecuteRequestSchema: V1ExecuteRequestSchema, ExecuteResponseSchema: V1ExecuteResponseSchema } =
    await import('../gen/switchboard/compat/v1_pb.js');
  return unaryRoute(V1ExecuteRequestSchema, V1ExecuteResponseSchema, async (request, call) => {
    const { message } = await run(request, call.signal);
    // v1 hosts read `data` as plain text; `message` carries the rich form.
    const data = message.baseBody.codeBlock ?? message.baseBody.plaintext ?? '';
    return { data, message: encodeMessage(message) };
  });
}

async function streamingExecute(
  plugin: ExecutorPlugin,
  input: ExecuteInput,
  send: (chunk: MessageInitShape<typeof ExecuteChunkSchema>) => Promise<void>,
): Promise<void> {
  const output = await plugin.execute(input);
  if (isAsyncIterable(output)) {
    for await (const chunk of output) {
      if (input.signal.aborted) break;
      if (typeof chunk === 'string') {
        if (chunk !== '') await send({ kind: { case: 'output', value: chunk } });
      } else {
        await send({ kind: { case: 'message', value: encodeMessage(chunk) } });
      }
    }
    return;
  }
  const { message, messages } = await collect(output);
  await send({ kind: { case: 'message', value: encodeMessage(message) } });
  // After the answer, so a host that ignores this case still has the whole answer.
  if (messages.length > 0) {
    await send({ kind: { case: 'extra', value: { messages: messages.map((m) => encodeMessage(m)) } } });
  }
}
