import {
  createSecureServer,
  createServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { FrameError, frameMessage, parseGrpcTimeout, readMessages } from './grpc-frames.js';
import { type CallStatus, encodeGrpcMessage, grpcStatus, toStatus } from './grpc-status.js';
import { waitForDrain } from './wait-for-drain.js';

/** What a handler sees of its call. */
export interface CallContext {
  /** Aborted when the client cancels, the deadline passes or the connection is dropped. */
  readonly signal: AbortSignal;
}

/**
 * One RPC the server answers (unary or server streaming: go-plugin and the Botkube contract use
 * no client streaming on the plugin side). A unary route resolves to its response; a streaming
 * route sends through `send` and resolves when the stream ends normally. A rejection becomes the
 * call's status ({@link toStatus}).
 */
export interface Route {
  responseStream: boolean;
  decode(bytes: Uint8Array): unknown;
  encode(message: unknown): Uint8Array;
  run(request: unknown, call: CallContext, send: (message: unknown) => Promise<void>): unknown;
}

/**
 * A route made on its first call. Why: a route's codec needs the protobuf descriptors of its
 * messages, and building them is a large part of a plugin's start; a plugin builds only those
 * of the methods it is asked for, and none before its handshake.
 */
export interface LazyRoute {
  load(): Promise<Route>;
}

export interface GrpcServerOptions {
  /** Routes by HTTP/2 path, `/<package.Service>/<Method>`. */
  routes: ReadonlyMap<string, Route | LazyRoute>;
  /** Serve TLS and require a client certificate signed by `clientCaPem` (go-plugin AutoMTLS). */
  tls?: { keyPem: string; certPem: string; clientCaPem: string };
}

export interface GrpcServer {
  listen(socketPath: string): Promise<void>;
  /** Stops accepting, lets calls in flight finish for up to `graceMs`, then drops the connections. */
  close(graceMs: number): Promise<void>;
}

const responseHeaders = {
  ':status': 200,
  'content-type': 'application/grpc',
  'grpc-accept-encoding': 'identity',
};

/**
 * A gRPC server over node:http2 with only what a plugin serves: unary and server-streaming calls,
 * protobuf bodies without compression, deadlines from grpc-timeout, cancellation, trailers with
 * grpc-status and grpc-message, optional mutual TLS. Why not @grpc/grpc-js: loading it costs a
 * plugin more start time than the whole Node runtime (docs/benchmarks.md, "TypeScript plugin
 * footprint"); the host keeps grpc-js.
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  // Answers can be large (a 10 MB command output); nghttp2's default 10 MB session budget would
  // refuse new streams while one is being written, so the budget is left to flow control.
  const http2Options = { maxSessionMemory: Number.MAX_SAFE_INTEGER };
  const server: Http2Server = options.tls
    ? createSecureServer({
        ...http2Options,
        key: options.tls.keyPem,
        cert: options.tls.certPem,
        ca: options.tls.clientCaPem,
        requestCert: true,
        rejectUnauthorized: true,
      })
    : createServer(http2Options);
  const sessions = new Set<Http2Session>();
  server.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // A client that breaks its connection ends only its own calls (their signals abort).
    session.on('error', () => {});
  });
  server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) =>
    serveCall(stream, headers, options.routes),
  );

  return {
    listen(socketPath) {
      return new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => {
          server.off('error', reject);
          resolve();
        });
      });
    },
    async close(graceMs) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            for (const session of sessions) session.destroy();
            resolve();
          }, graceMs);
        }),
      ]);
      clearTimeout(timer);
    },
  };
}

function serveCall(
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  routes: ReadonlyMap<string, Route | LazyRoute>,
): void {
  // A reset from the client surfaces as a stream error; the call's signal already reports it.
  stream.on('error', () => {});
  const contentType = headers['content-type'];
  if (headers[':method'] !== 'POST' || !/^application\/grpc(?:[+;]|$)/.test(contentType ?? '')) {
    // gRPC over HTTP/2: a request that is not gRPC gets an HTTP status, not a gRPC one.
    stream.respond({ ':status': 415, 'content-type': 'text/plain' });
    stream.end(
      `expected a gRPC request (POST, content-type application/grpc), got ${headers[':method']} ${contentType ?? 'without content-type'}\n`,
    );
    return;
  }
  const path = headers[':path'] ?? '';
  const controller = new AbortController();
  let finished = false;
  let headersSent = false;
  let deadline: NodeJS.Timeout | undefined;

  const finish = (status: CallStatus, lastMessage?: Uint8Array) => {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    if (stream.destroyed || stream.closed) return;
    const trailers = {
      'grpc-status': String(status.code),
      ...(status.details === '' ? {} : { 'grpc-message': encodeGrpcMessage(status.details) }),
    };
    if (!headersSent && lastMessage === undefined) {
      // Trailers-only response: the status travels in the one HEADERS frame.
      headersSent = true;
      stream.respond({ ...responseHeaders, ...trailers }, { endStream: true });
      return;
    }
    if (!headersSent) {
      headersSent = true;
      stream.respond(responseHeaders, { waitForTrailers: true });
    }
    stream.once('wantTrailers', () => {
      if (!stream.destroyed) stream.sendTrailers(trailers);
    });
    if (lastMessage === undefined) stream.end();
    else stream.end(frameMessage(lastMessage));
  };
  stream.once('close', () => {
    if (finished) return;
    finished = true;
    clearTimeout(deadline);
    controller.abort(new Error('cancelled by the client'));
  });

  const entry = routes.get(path);
  if (entry === undefined) {
    finish({ code: grpcStatus.UNIMPLEMENTED, details: `unknown method ${path}` });
    return;
  }
  // Loading starts now and overlaps with receiving the request.
  const loaded: Promise<Route> = Promise.resolve('load' in entry ? entry.load() : entry).catch(
    (err: unknown) => {
      throw new FrameError(
        grpcStatus.INTERNAL,
        `cannot serve ${path}: ${err instanceof Error ? err.message : String(err)}`,
      );
    },
  );
  // Handled below when the request has arrived; without this a failed load the call no longer
  // waits for (a cancelled call) would be an unhandled rejection.
  loaded.catch(() => {});
  let timeoutMs: number | undefined;
  try {
    timeoutMs = parseGrpcTimeout(headers['grpc-timeout'] as string | undefined);
  } catch (err) {
    finish(toStatus(err));
    return;
  }
  if (timeoutMs !== undefined) {
    deadline = setTimeout(() => {
      controller.abort(new Error('deadline exceeded'));
      finish({ code: grpcStatus.DEADLINE_EXCEEDED, details: 'deadline exceeded' });
    }, timeoutMs);
  }

  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.once('end', () => {
    if (finished) return;
    loaded.then(
      (route) => runCall(route, Buffer.concat(chunks)),
      (err: unknown) => finish(toStatus(err)),
    );
  });

  const runCall = (route: Route, body: Buffer) => {
    if (finished) return;
    let request: unknown;
    try {
      const messages = readMessages(body, headers['grpc-encoding'] as string | undefined);
      if (messages.length !== 1) {
        throw new FrameError(
          grpcStatus.INTERNAL,
          `${path} takes exactly one request message, the client sent ${messages.length}`,
        );
      }
      try {
        request = route.decode(messages[0] as Uint8Array);
      } catch (err) {
        throw new FrameError(
          grpcStatus.INTERNAL,
          `cannot decode the ${path} request: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    } catch (err) {
      finish(toStatus(err));
      return;
    }
    const send = async (message: unknown) => {
      if (finished || stream.destroyed) return;
      if (!headersSent) {
        headersSent = true;
        stream.respond(responseHeaders, { waitForTrailers: true });
      }
      if (!stream.write(frameMessage(route.encode(message)))) {
        await waitForDrain(stream, controller.signal);
      }
    };
    Promise.resolve()
      .then(() => route.run(request, { signal: controller.signal }, send))
      .then((response) => {
        if (route.responseStream) finish({ code: grpcStatus.OK, details: '' });
        else finish({ code: grpcStatus.OK, details: '' }, route.encode(response));
      })
      .catch((err: unknown) => finish(toStatus(err)));
  };
}
