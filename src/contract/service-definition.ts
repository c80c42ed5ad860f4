import {
  type DescMessage,
  type DescService,
  fromBinary,
  type MessageShape,
  toBinary,
} from '@bufbuild/protobuf';
import type { MethodDefinition } from '@grpc/grpc-js';

/**
 * A grpc-js service definition whose methods can be swapped (per app protocol
 * version); assignable to grpc-js `ServiceDefinition`.
 */
// biome-ignore lint/suspicious/noExplicitAny: grpc-js definitions are untyped per method.
export type MethodMap = Record<string, MethodDefinition<any, any>>;

/**
 * Builds a grpc-js service definition from a protobuf-es service descriptor, with
 * protobuf-es doing the (de)serialisation. `path` overrides the wire service name:
 * Botkube's older app protocols reuse the `executor.Executor` paths with other
 * message layouts, which we declare in separate proto packages.
 */
export function grpcServiceDefinition(service: DescService, path = service.typeName): MethodMap {
  const definition: MethodMap = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${path}/${method.name}`,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
      originalName: method.name,
    };
  }
  return definition;
}

/**
 * A single-method definition whose request and response types differ from the
 * service's declaration (used for app protocol v1/v2 codecs on the v3 paths).
 */
export function grpcMethodDefinition<I extends DescMessage, O extends DescMessage>(options: {
  path: string;
  input: I;
  output: O;
  responseStream?: boolean;
}): MethodDefinition<MessageShape<I>, MessageShape<O>> {
  return {
    path: options.path,
    requestStream: false,
    responseStream: options.responseStream ?? false,
    requestSerialize: serializer(options.input),
    requestDeserialize: deserializer(options.input),
    responseSerialize: serializer(options.output),
    responseDeserialize: deserializer(options.output),
  };
}

function serializer<D extends DescMessage>(schema: D): (value: MessageShape<D>) => Buffer {
  return (value) => {
    const bytes = toBinary(schema, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer<D extends DescMessage>(schema: D): (bytes: Buffer) => MessageShape<D> {
  return (bytes) => fromBinary(schema, bytes);
}
