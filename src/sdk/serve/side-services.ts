import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { type ServerUnaryCall, type ServerWritableStream, type sendUnaryData, status } from '@grpc/grpc-js';
import {
  type HealthCheckRequest,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../../gen/goplugin/health_pb.js';
import {
  type Empty,
  EmptySchema as PluginEmptySchema,
  type StdioData,
} from '../../gen/goplugin/plugin_pb.js';

/**
 * grpc.health.v1.Health as go-plugin serves it: "plugin" and "" are SERVING,
 * anything else NOT_FOUND (grpc-go's health server behaviour).
 */
export function healthImplementation() {
  const known = new Set(['', 'plugin']);
  return {
    check(
      call: ServerUnaryCall<HealthCheckRequest, unknown>,
      callback: sendUnaryData<ReturnType<typeof servingResponse>>,
    ) {
      if (!known.has(call.request.service)) {
        callback({ code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        return;
      }
      callback(null, servingResponse());
    },
    watch(call: ServerWritableStream<HealthCheckRequest, unknown>) {
      if (!known.has(call.request.service)) {
        call.emit('error', { code: status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        return;
      }
      // Status never changes while the server runs; the stream stays open until cancelled.
      call.write(servingResponse());
    },
  };
}

function servingResponse() {
  return create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVING });
}

/** plugin.GRPCController: Shutdown answers first, then lets the plugin exit. */
export function controllerImplementation(onShutdown: () => void) {
  return {
    shutdown(_call: ServerUnaryCall<Empty, unknown>, callback: sendUnaryData<Empty>) {
      callback(null, create(PluginEmptySchema));
      setImmediate(onShutdown);
    },
  };
}

/**
 * plugin.GRPCStdio: the SDK routes console output to stderr as hclog instead, so
 * the stream carries nothing; it stays open so go-plugin hosts that open it see a
 * normal, quiet plugin rather than an error.
 */
export function stdioImplementation(openStreams: Set<ServerWritableStream<unknown, StdioData>>) {
  return {
    streamStdio(call: ServerWritableStream<unknown, StdioData>) {
      openStreams.add(call);
      const forget = () => openStreams.delete(call);
      call.on('cancelled', forget);
      call.on('close', forget);
    },
  };
}

/** google.protobuf.Empty, for RPCs that take or return it. */
export function emptyMessage() {
  return create(EmptySchema);
}
