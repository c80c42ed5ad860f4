import {
  create,
  type DescMessage,
  type DescMethod,
  fromBinary,
  type MessageInitShape,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import type { CallContext, Route } from './grpc-server.js';

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
