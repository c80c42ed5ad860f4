import {
  create,
  type DescMessage,
  type DescMethod,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import type { CallContext, LazyRoute, Route } from './grpc-server.js';

/** The HTTP/2 path of a method: `/<package.Service>/<Method>`. */
export function methodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function codec<I extends DescMessage, O extends DescMessage>(input: I, output: O) {
  return {
    decode: (bytes: Uint8Array) => fromBinary(input, bytes),
    // Handlers answer with init shapes; create() turns them into messages protobuf-es can write.
    encode: (message: unknown) => toBinary(output, create(output, message as MessageInitShape<O>)),
  };
}

/** A unary route with protobuf-es (de)serialisation. */
export function unaryRoute<I extends DescMessage, O extends DescMessage>(
  input: I,
  output: O,
  handle: (request: MessageShape<I>, call: CallContext) => MessageInitShape<O> | Promise<MessageInitShape<O>>,
): Route {
  return {
    responseStream: false,
    ...codec(input, output),
    run: (request, call) => handle(request as MessageShape<I>, call),
  };
}

/** A server-streaming route; `send` waits while the client is not reading (backpressure). */
export function streamRoute<I extends DescMessage, O extends DescMessage>(
  input: I,
  output: O,
  handle: (
    request: MessageShape<I>,
    call: CallContext,
    send: (message: MessageInitShape<O>) => Promise<void>,
  ) => Promise<void>,
): Route {
  return {
    responseStream: true,
    ...codec(input, output),
    run: (request, call, send) => handle(request as MessageShape<I>, call, send),
  };
}

/** A route built on its first call, once; see {@link LazyRoute}. */
export function lazyRoute(load: () => Promise<Route>): LazyRoute {
  let route: Promise<Route> | undefined;
  return {
    load: () => {
      route ??= load().catch((err: unknown) => {
        // A failed load is retried by the next call rather than remembered.
        route = undefined;
        throw err;
      });
      return route;
    },
  };
}

/**
 * The HTTP/2 paths of the methods a plugin serves, written out so that the route table exists
 * before any descriptor is built (routes are lazy). method-paths.test.ts checks each against
 * the generated service descriptors.
 */
export const methodPaths = {
  execute: '/executor.Executor/Execute',
  executorMetadata: '/executor.Executor/Metadata',
  help: '/executor.Executor/Help',
  executeStream: '/switchboard.v1.StreamingExecutor/ExecuteStream',
  stream: '/source.Source/Stream',
  handleExternalRequest: '/source.Source/HandleExternalRequest',
  sourceMetadata: '/source.Source/Metadata',
  healthCheck: '/grpc.health.v1.Health/Check',
  healthWatch: '/grpc.health.v1.Health/Watch',
  shutdown: '/plugin.GRPCController/Shutdown',
  streamStdio: '/plugin.GRPCStdio/StreamStdio',
} as const;
