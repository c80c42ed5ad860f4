import { type Client, Metadata, type MethodDefinition, type ServiceError, status } from '@grpc/grpc-js';

// biome-ignore lint/suspicious/noExplicitAny: error mapping needs only the path of any method.
type AnyMethod = MethodDefinition<any, any>;

import type { ErrorCode } from '../../errors/codes.js';
import { PluginError } from '../../errors/switchboard-error.js';
import { describeExit, type ProcessExit } from './process.js';

/** Per-call limits. Every unary call has a deadline; streams have none unless given. */
export interface CallOptions {
  deadlineMs?: number;
  /** Aborting cancels the RPC, which the plugin sees as a cancelled context. */
  signal?: AbortSignal;
}

/** What error mapping needs to know about the plugin behind a call. */
export interface CallTarget {
  name: string;
  client: Client;
  exited: Promise<ProcessExit>;
}

/** How long a failed call waits for the process exit that probably caused it. */
const exitGraceMs = 1000;

/** Runs one unary RPC with a deadline and cancellation, mapping failures to {@link PluginError}. */
export function unaryCall<Req, Res>(
  target: CallTarget,
  method: MethodDefinition<Req, Res>,
  request: Req,
  options: CallOptions & { deadlineMs: number },
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelledError(target, method));
      return;
    }
    const startedAt = Date.now();
    const call = target.client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new Metadata(),
      { deadline: Date.now() + options.deadlineMs },
      (err, response) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (err) mapCallError(target, method, err, { ...options, startedAt }).then(reject);
        else resolve(response as Res);
      },
    );
    const onAbort = () => call.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs one server-streaming RPC, handing each message to `onMessage` straight from grpc-js's
 * 'data' event: no iterator and no promise per message. When `onMessage` returns a promise the
 * stream pauses until it settles (back-pressure). Resolves when the plugin ends the stream;
 * rejects with a {@link PluginError} when the call fails or `signal` aborts, and with what
 * `onMessage` threw or rejected with (the call is then cancelled).
 */
export function serverStreamEach<Req, Res>(
  target: CallTarget,
  method: MethodDefinition<Req, Res>,
  request: Req,
  onMessage: (message: Res) => void | PromiseLike<void>,
  options: CallOptions = {},
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(cancelledError(target, method));
      return;
    }
    const call = target.client.makeServerStreamRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new Metadata(),
      options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
    );
    let done = false;
    let ended = false;
    let waiting = false;
    const onAbort = () => call.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = () => {
      done = true;
      options.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown) => {
      if (done) return;
      finish();
      call.cancel();
      reject(err);
    };
    const resumed = () => {
      waiting = false;
      if (done) return;
      if (!ended) {
        call.resume();
        return;
      }
      finish();
      resolve();
    };
    call.on('data', (message: Res) => {
      if (done) return;
      let result: void | PromiseLike<void>;
      try {
        result = onMessage(message);
      } catch (err) {
        fail(err);
        return;
      }
      if (result && typeof result.then === 'function') {
        waiting = true;
        call.pause();
        result.then(resumed, fail);
      }
    });
    call.on('end', () => {
      ended = true;
      if (done || waiting) return;
      finish();
      resolve();
    });
    call.on('error', (err: ServiceError) => {
      if (done) return;
      finish();
      mapCallError(target, method, err, options).then(reject, reject);
    });
  });
}

/**
 * Runs one server-streaming RPC as an async iterable. Leaving the loop early, or
 * aborting `signal`, cancels the RPC. Failures are thrown as {@link PluginError};
 * a stream the plugin ends normally simply completes.
 */
export async function* serverStreamCall<Req, Res>(
  target: CallTarget,
  method: MethodDefinition<Req, Res>,
  request: Req,
  options: CallOptions = {},
): AsyncGenerator<Res, void, undefined> {
  if (options.signal?.aborted) throw cancelledError(target, method);
  const call = target.client.makeServerStreamRequest(
    method.path,
    method.requestSerialize,
    method.responseDeserialize,
    request,
    new Metadata(),
    options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
  );
  const onAbort = () => call.cancel();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    for await (const message of call) yield message as Res;
    finished = true;
  } catch (err) {
    finished = true;
    throw await mapCallError(target, method, err as ServiceError, options);
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    if (!finished) call.cancel();
  }
}

function methodName(method: AnyMethod): string {
  return method.path.replace(/^\//, '');
}

function cancelledError(target: CallTarget, method: AnyMethod): PluginError {
  return new PluginError(
    'SB_ERR_PLUGIN_CANCELLED',
    `call ${methodName(method)} to plugin ${target.name} was cancelled`,
    {
      details: { plugin: target.name },
    },
  );
}

/** Maps a gRPC failure to an error that says which plugin, which call, and what happened. */
export async function mapCallError(
  target: CallTarget,
  method: AnyMethod,
  err: ServiceError,
  options: CallOptions & { startedAt?: number },
): Promise<PluginError> {
  const name = methodName(method);
  const details = { plugin: target.name, method: name, grpcCode: err.code };
  const make = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
    new PluginError(code, message, { cause: err, details: { ...details, ...extra } });
  if (err.code === status.CANCELLED && options.signal?.aborted) return cancelledError(target, method);
  // A plugin may answer its own cancelled context ("context deadline exceeded", UNKNOWN)
  // just before the host's timer fires; a failure at the deadline is the deadline's.
  const pastDeadline =
    options.deadlineMs !== undefined &&
    options.startedAt !== undefined &&
    Date.now() - options.startedAt >= options.deadlineMs - 5 &&
    err.code !== status.UNIMPLEMENTED;
  if (err.code === status.DEADLINE_EXCEEDED || pastDeadline) {
    return make(
      'SB_ERR_PLUGIN_DEADLINE',
      `plugin ${target.name} did not answer ${name} within ${options.deadlineMs} ms`,
    );
  }
  if (err.code === status.UNIMPLEMENTED) {
    return make('SB_ERR_PLUGIN_UNIMPLEMENTED', `plugin ${target.name} does not implement ${name}`);
  }
  if (err.code === status.UNAVAILABLE || err.code === status.CANCELLED || err.code === status.INTERNAL) {
    const exit = await Promise.race([
      target.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), exitGraceMs)),
    ]);
    if (exit !== undefined) {
      const stderr =
        exit.stderrTail.length > 0 ? `; last stderr lines:\n  ${exit.stderrTail.join('\n  ')}` : '';
      return make(
        'SB_ERR_PLUGIN_EXITED',
        `plugin ${target.name} exited (${describeExit(exit)}) during ${name}${stderr}`,
        {
          exitCode: exit.code,
          signal: exit.signal,
          stderrTail: exit.stderrTail,
        },
      );
    }
  }
  const pluginMessage = err.details || err.message;
  // `pluginMessage` (see PluginCallDetails) is what the bridges show; the message is for logs.
  return make('SB_ERR_PLUGIN_CALL', `plugin ${target.name}: ${name} failed: ${pluginMessage}`, {
    pluginMessage,
  });
}
