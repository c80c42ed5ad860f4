import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectHttp2, type IncomingHttpHeaders } from 'node:http2';
import { connect as connectNet } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcMethodDefinition } from '../../contract/service-definition.js';
import { createSelfSignedCertificate } from '../../contract/tls/x509.js';
import {
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
  HealthCheckResponseSchema,
} from '../../gen/goplugin/health_pb.js';
import { frameMessage } from './grpc-frames.js';
import { createGrpcServer, type GrpcServer, type LazyRoute, type Route } from './grpc-server.js';
import { grpcStatus } from './grpc-status.js';
import { lazyRoute, streamRoute, unaryRoute } from './routes.js';

/*
 * The plugin-side gRPC server, driven by the host's client (grpc-js) and by a raw HTTP/2 client
 * for requests no well-behaved client sends. go-plugin's Go client drives it in
 * test/integration/go-interop.test.ts.
 */

const SERVING = HealthCheckResponse_ServingStatus.SERVING;
const NOT_SERVING = HealthCheckResponse_ServingStatus.NOT_SERVING;
const dirs: string[] = [];
const servers: GrpcServer[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(servers.splice(0).map((s) => s.close(100)));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** What the test routes saw, for assertions on the server side of a call. */
interface Seen {
  aborted: string[];
  /** How many times each lazy route's load ran. */
  loads: Record<string, number>;
}

function testRoutes(seen: Seen): Map<string, Route | LazyRoute> {
  const recordAbort = (signal: AbortSignal, name: string) =>
    new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => {
        seen.aborted.push(`${name}: ${(signal.reason as Error).message}`);
        resolve();
      }),
    );
  const counted = (name: string, load: () => Promise<Route>) =>
    lazyRoute(() => {
      seen.loads[name] = (seen.loads[name] ?? 0) + 1;
      return load();
    });
  return new Map<string, Route | LazyRoute>([
    [
      '/t.T/Lazy',
      counted('lazy', async () => {
        // Made on the first call: the request arrives while this waits.
        await new Promise((r) => setTimeout(r, 30));
        return unaryRoute(HealthCheckRequestSchema, HealthCheckResponseSchema, (request) => ({
          status: request.service === 'ok' ? SERVING : NOT_SERVING,
        }));
      }),
    ],
    ['/t.T/Broken', counted('broken', () => Promise.reject(new Error('descriptors unavailable')))],
    [
      '/t.T/Unary',
      unaryRoute(HealthCheckRequestSchema, HealthCheckResponseSchema, async (request, call) => {
        switch (request.service) {
          case 'ok':
            return { status: SERVING };
          case 'throw':
            throw new Error('boom');
          case 'code':
            throw { code: grpcStatus.NOT_FOUND, details: 'nó 100% here' };
          case 'slow':
            await recordAbort(call.signal, 'slow');
            return { status: NOT_SERVING };
          case 'linger':
            await new Promise((r) => setTimeout(r, 150));
            return { status: SERVING };
          default:
            return { status: NOT_SERVING };
        }
      }),
    ],
    [
      '/t.T/Stream',
      streamRoute(HealthCheckRequestSchema, HealthCheckResponseSchema, async (request, call, send) => {
        if (request.service === 'forever') {
          await send({ status: SERVING });
          await recordAbort(call.signal, 'forever');
          // Sending after the client left is a no-op, not an error.
          await send({ status: SERVING });
          return;
        }
        const count = Number(request.service);
        for (let i = 0; i < count; i++) await send({ status: SERVING });
        if (request.service === '2') throw new Error('failed after 2');
      }),
    ],
  ]);
}

function socketPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-grpc-'));
  dirs.push(dir);
  return join(dir, 'plugin.sock');
}

async function startServer(tls?: { keyPem: string; certPem: string; clientCaPem: string }) {
  const seen: Seen = { aborted: [], loads: {} };
  const server = createGrpcServer({ routes: testRoutes(seen), ...(tls ? { tls } : {}) });
  const path = socketPath();
  await server.listen(path);
  servers.push(server);
  return { server, path, seen };
}

const unaryMethod = grpcMethodDefinition({
  path: '/t.T/Unary',
  input: HealthCheckRequestSchema,
  output: HealthCheckResponseSchema,
});
const lazyMethod = grpcMethodDefinition({
  path: '/t.T/Lazy',
  input: HealthCheckRequestSchema,
  output: HealthCheckResponseSchema,
});
const brokenMethod = grpcMethodDefinition({
  path: '/t.T/Broken',
  input: HealthCheckRequestSchema,
  output: HealthCheckResponseSchema,
});
const streamMethod = grpcMethodDefinition({
  path: '/t.T/Stream',
  input: HealthCheckRequestSchema,
  output: HealthCheckResponseSchema,
  responseStream: true,
});

function grpcClient(path: string, channel = credentials.createInsecure()): Client {
  const client = new Client(`unix://${path}`, channel, {
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  });
  clients.push(client);
  return client;
}

function unary(client: Client, service: string, deadlineMs = 5000, method = unaryMethod) {
  return new Promise<{ status: number }>((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      create(HealthCheckRequestSchema, { service }),
      new Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, response) => (err ? reject(err) : resolve(response as { status: number })),
    );
  });
}

async function collectStream(client: Client, service: string) {
  const call = client.makeServerStreamRequest(
    streamMethod.path,
    streamMethod.requestSerialize,
    streamMethod.responseDeserialize,
    create(HealthCheckRequestSchema, { service }),
  );
  const received: number[] = [];
  try {
    for await (const message of call) received.push((message as { status: number }).status);
    return { received };
  } catch (err) {
    return { received, error: err as ServiceError };
  }
}

/** One request over a raw HTTP/2 connection; the response's headers, trailers and body. */
async function rawCall(path: string, rpc: string, body: Buffer, headers: Record<string, string> = {}) {
  const session = connectHttp2('http://localhost', { createConnection: () => connectNet(path) });
  try {
    return await new Promise<{ headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer }>(
      (resolve, reject) => {
        const request = session.request({
          ':method': 'POST',
          ':path': rpc,
          'content-type': 'application/grpc',
          te: 'trailers',
          ...headers,
        });
        let responseHeaders: IncomingHttpHeaders = {};
        let trailers: IncomingHttpHeaders = {};
        const chunks: Buffer[] = [];
        request.on('response', (h) => {
          responseHeaders = h;
        });
        request.on('trailers', (t) => {
          trailers = t;
        });
        request.on('data', (c: Buffer) => chunks.push(c));
        request.on('end', () => resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) }));
        request.on('error', reject);
        request.end(body);
      },
    );
  } finally {
    session.close();
  }
}

const request = (service: string) =>
  frameMessage(toBinary(HealthCheckRequestSchema, create(HealthCheckRequestSchema, { service })));

describe('plugin gRPC server with the host client (grpc-js)', () => {
  it('answers unary calls and sends thrown errors as statuses', async () => {
    const { path } = await startServer();
    const client = grpcClient(path);
    expect(await unary(client, 'ok')).toMatchObject({ status: SERVING });
    await expect(unary(client, 'throw')).rejects.toMatchObject({ code: status.UNKNOWN, details: 'boom' });
    // grpc-message is percent-encoded on the wire; the client gets the text back intact.
    await expect(unary(client, 'code')).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: 'nó 100% here',
    });
  });

  it('makes a lazy route on its first call only, and answers calls that arrive while it loads', async () => {
    const { path, seen } = await startServer();
    const client = grpcClient(path);
    const answers = await Promise.all([
      unary(client, 'ok', 5000, lazyMethod),
      unary(client, 'x', 5000, lazyMethod),
    ]);
    expect(answers.map((a) => a.status)).toEqual([SERVING, NOT_SERVING]);
    expect((await unary(client, 'ok', 5000, lazyMethod)).status).toBe(SERVING);
    expect(seen.loads.lazy).toBe(1);
  });

  it('answers INTERNAL naming the method when a lazy route cannot be made, and tries again next call', async () => {
    const { path, seen } = await startServer();
    const client = grpcClient(path);
    for (let i = 0; i < 2; i++) {
      const err = (await unary(client, 'ok', 5000, brokenMethod).catch((e: unknown) => e)) as ServiceError;
      expect(err.code).toBe(status.INTERNAL);
      expect(err.details).toBe('cannot serve /t.T/Broken: descriptors unavailable');
    }
    expect(seen.loads.broken).toBe(2);
  });

  it('streams messages, ends with OK, and reports an error after messages in the trailers', async () => {
    const { path } = await startServer();
    const client = grpcClient(path);
    expect(await collectStream(client, '3')).toEqual({ received: [SERVING, SERVING, SERVING] });
    expect(await collectStream(client, '0')).toEqual({ received: [] });
    const failed = await collectStream(client, '2');
    expect(failed.received).toEqual([SERVING, SERVING]);
    expect(failed.error).toMatchObject({ code: status.UNKNOWN, details: 'failed after 2' });
  });

  it("aborts the handler's signal when the client's deadline passes or it cancels", async () => {
    const { path, seen } = await startServer();
    const client = grpcClient(path);
    await expect(unary(client, 'slow', 150)).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    const call = client.makeServerStreamRequest(
      streamMethod.path,
      streamMethod.requestSerialize,
      streamMethod.responseDeserialize,
      create(HealthCheckRequestSchema, { service: 'forever' }),
    );
    call.on('error', () => {});
    await new Promise((resolve) => call.once('data', resolve));
    call.cancel();
    await expect.poll(() => seen.aborted.length, { timeout: 5000 }).toBe(2);
    // The deadline travels as grpc-timeout, so the server ends the call on its own clock too.
    expect(seen.aborted.sort()).toEqual(['forever: cancelled by the client', 'slow: deadline exceeded']);
    // The server keeps serving after both.
    expect(await unary(client, 'ok')).toMatchObject({ status: SERVING });
  });

  it('serves mutual TLS and refuses clients without a certificate it trusts', async () => {
    const serverCert = createSelfSignedCertificate({ dnsNames: ['localhost'] });
    const clientCert = createSelfSignedCertificate({ commonName: 'host' });
    const stranger = createSelfSignedCertificate({ commonName: 'stranger' });
    const { path } = await startServer({
      keyPem: serverCert.keyPem,
      certPem: serverCert.certPem,
      clientCaPem: clientCert.certPem,
    });
    const trusted = grpcClient(
      path,
      credentials.createSsl(
        Buffer.from(serverCert.certPem),
        Buffer.from(clientCert.keyPem),
        Buffer.from(clientCert.certPem),
      ),
    );
    expect(await unary(trusted, 'ok')).toMatchObject({ status: SERVING });
    const withStranger = grpcClient(
      path,
      credentials.createSsl(
        Buffer.from(serverCert.certPem),
        Buffer.from(stranger.keyPem),
        Buffer.from(stranger.certPem),
      ),
    );
    await expect(unary(withStranger, 'ok', 3000)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    const withoutCert = grpcClient(path, credentials.createSsl(Buffer.from(serverCert.certPem)));
    await expect(unary(withoutCert, 'ok', 3000)).rejects.toMatchObject({ code: status.UNAVAILABLE });
    const plaintext = grpcClient(path);
    await expect(unary(plaintext, 'ok', 3000)).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('lets a call in flight finish on close, and drops one that outlives the grace', async () => {
    const { server, path, seen } = await startServer();
    const client = grpcClient(path);
    const lingering = unary(client, 'linger');
    const slow = unary(client, 'slow');
    await new Promise((r) => setTimeout(r, 50));
    servers.splice(servers.indexOf(server), 1);
    await server.close(1000);
    expect(await lingering).toMatchObject({ status: SERVING });
    await expect(slow).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(seen.aborted).toEqual(['slow: cancelled by the client']);
  });
});

describe('plugin gRPC server with requests a gRPC client does not send', () => {
  it('answers an unknown method UNIMPLEMENTED in a trailers-only response', async () => {
    const { path } = await startServer();
    const { headers, body } = await rawCall(path, '/plugin.GRPCBroker/StartStream', request(''));
    expect(headers).toMatchObject({
      ':status': 200,
      'content-type': 'application/grpc',
      'grpc-status': '12',
      'grpc-message': 'unknown method /plugin.GRPCBroker/StartStream',
    });
    expect(body.length).toBe(0);
  });

  it('answers a request that is not gRPC with HTTP 415', async () => {
    const { path } = await startServer();
    const json = await rawCall(path, '/t.T/Unary', Buffer.from('{}'), { 'content-type': 'application/json' });
    expect(json.headers[':status']).toBe(415);
    expect(json.body.toString()).toContain('got POST application/json');
  });

  it('sends OK trailers after the framed answer', async () => {
    const { path } = await startServer();
    const { headers, trailers, body } = await rawCall(path, '/t.T/Unary', request('ok'));
    expect(headers['grpc-status']).toBeUndefined();
    expect(trailers['grpc-status']).toBe('0');
    expect(body[0]).toBe(0);
    expect(body.readUInt32BE(1)).toBe(body.length - 5);
  });

  it.each([
    [
      'a compressed message',
      Buffer.from([1, 0, 0, 0, 0]),
      { 'grpc-encoding': 'gzip' },
      '12',
      /grpc-encoding gzip/,
    ],
    ['a body cut inside the header', Buffer.from([0, 0, 0]), {}, '13', /ends inside a message header/],
    ['a body cut inside the message', Buffer.from([0, 0, 0, 0, 9, 1]), {}, '13', /1 of 9 bytes/],
    ['two messages for a unary call', Buffer.concat([request('ok'), request('ok')]), {}, '13', /sent 2/],
    ['no message', Buffer.alloc(0), {}, '13', /sent 0/],
    [
      'bytes that are not the request message',
      frameMessage(Buffer.from([0xff, 0xff])),
      {},
      '13',
      /cannot decode/,
    ],
    [
      'a malformed grpc-timeout',
      request('ok'),
      { 'grpc-timeout': '5 seconds' },
      '13',
      /grpc-timeout header "5 seconds"/,
    ],
  ])('refuses %s with a status naming the problem', async (_name, body, headers, code, message) => {
    const { path } = await startServer();
    const response = await rawCall(path, '/t.T/Unary', body, headers as Record<string, string>);
    expect(response.headers['grpc-status']).toBe(code);
    expect(decodeURIComponent(String(response.headers['grpc-message']))).toMatch(message);
  });

  it('ends a call whose grpc-timeout passes with DEADLINE_EXCEEDED, on its own clock', async () => {
    const { path, seen } = await startServer();
    const started = Date.now();
    const response = await rawCall(path, '/t.T/Unary', request('slow'), { 'grpc-timeout': '100m' });
    expect(response.headers['grpc-status']).toBe('4');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(seen.aborted).toEqual(['slow: deadline exceeded']);
  });
});
