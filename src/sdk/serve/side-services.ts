import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../../gen/goplugin/health_pb.js';
import { EmptySchema, GRPCController, GRPCStdio, StdioDataSchema } from '../../gen/goplugin/plugin_pb.js';
import type { Route } from './grpc-server.js';
import { grpcStatus } from './grpc-status.js';
import { methodPath, streamRoute, unaryRoute } from './routes.js';

/** Resolves once either signal aborts. */
function untilAborted(call: AbortSignal, stopping: AbortSignal): Promise<void> {
  if (call.aborted || stopping.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      call.removeEventListener('abort', done);
      stopping.removeEventListener('abort', done);
      resolve();
    };
    call.addEventListener('abort', done, { once: true });
    stopping.addEventListener('abort', done, { once: true });
  });
}

/**
 * go-plugin's side services next to the app's:
 * - grpc.health.v1.Health as go-plugin serves it: "plugin" and "" are SERVING, anything else
 *   NOT_FOUND (grpc-go's health server behaviour);
 * - plugin.GRPCController: Shutdown answers first, then lets the plugin exit;
 * - plugin.GRPCStdio: the SDK routes console output to stderr as hclog instead, so the stream
 *   carries nothing; it stays open so go-plugin hosts that open it see a normal, quiet plugin.
 * GRPCBroker is not served: no Botkube plugin uses it, and an unknown method answers UNIMPLEMENTED
 * as before. The open streams end normally when `stopping` aborts.
 */
export function sideServiceRoutes(onShutdown: () => void, stopping: AbortSignal): [string, Route][] {
  const known = new Set(['', 'plugin']);
  const serving = { status: HealthCheckResponse_ServingStatus.SERVING };
  const check = (service: string) => {
    if (!known.has(service)) {
      throw { code: grpcStatus.NOT_FOUND, details: `unknown service ${service}` };
    }
  };
  return [
    [
      methodPath(Health.method.check),
      unaryRoute(HealthCheckRequestSchema, HealthCheckResponseSchema, (request) => {
        check(request.service);
        return serving;
      }),
    ],
    [
      methodPath(Health.method.watch),
      streamRoute(HealthCheckRequestSchema, HealthCheckResponseSchema, async (request, call, send) => {
        check(request.service);
        // Status never changes while the server runs; the stream stays open until cancelled.
        await send(serving);
        await untilAborted(call.signal, stopping);
      }),
    ],
    [
      methodPath(GRPCController.method.shutdown),
      unaryRoute(EmptySchema, EmptySchema, () => {
        setImmediate(onShutdown);
        return {};
      }),
    ],
    [
      methodPath(GRPCStdio.method.streamStdio),
      streamRoute(EmptySchema, StdioDataSchema, (_request, call) => untilAborted(call.signal, stopping)),
    ],
  ];
}
