import type { LazyRoute } from './grpc-server.js';
import { grpcStatus } from './grpc-status.js';
import { lazyRoute, methodPaths, streamRoute, unaryRoute } from './routes.js';

/** grpc.health.v1 SERVING; the descriptors are loaded with the first call that needs them. */
const servingStatus = 1;

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
export function sideServiceRoutes(onShutdown: () => void, stopping: AbortSignal): [string, LazyRoute][] {
  const known = new Set(['', 'plugin']);
  const serving = { status: servingStatus };
  const health = () => import('../../gen/goplugin/health_pb.js');
  const goPlugin = () => import('../../gen/goplugin/plugin_pb.js');
  const check = (service: string) => {
    if (!known.has(service)) {
      throw { code: grpcStatus.NOT_FOUND, details: `unknown service ${service}` };
    }
  };
  return [
    [
      methodPaths.healthCheck,
      lazyRoute(async () => {
        const { HealthCheckRequestSchema, HealthCheckResponseSchema } = await health();
        return unaryRoute(HealthCheckRequestSchema, HealthCheckResponseSchema, (request) => {
          check(request.service);
          return serving;
        });
      }),
    ],
    [
      methodPaths.healthWatch,
      lazyRoute(async () => {
        const { HealthCheckRequestSchema, HealthCheckResponseSchema } = await health();
        return streamRoute(
          HealthCheckRequestSchema,
          HealthCheckResponseSchema,
          async (request, call, send) => {
            check(request.service);
            // Status never changes while the server runs; the stream stays open until cancelled.
            await send(serving);
            await untilAborted(call.signal, stopping);
          },
        );
      }),
    ],
    [
      methodPaths.shutdown,
      lazyRoute(async () => {
        const { EmptySchema } = await goPlugin();
        return unaryRoute(EmptySchema, EmptySchema, () => {
          setImmediate(onShutdown);
          return {};
        });
      }),
    ],
    [
      methodPaths.streamStdio,
      lazyRoute(async () => {
        const { EmptySchema, StdioDataSchema } = await goPlugin();
        return streamRoute(EmptySchema, StdioDataSchema, (_request, call) =>
          untilAborted(call.signal, stopping),
        );
      }),
    ],
  ];
}
