/**
 * The emulator's one loopback HTTP server: `/api/<method>` (Web API), `/upload/v1/<key>` (upload
 * URLs), `/actions/<team>/<n>/<key>` (response_urls), and the `/link/` WebSocket upgrade.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { EmulatorCore } from './core.js';
import { parseRequest, readBody } from './request-body.js';
import { acceptUpload } from './web-api/methods-files.js';
import { answerApiCall, type HttpAnswer, httpFailure, takeFault } from './web-api/router.js';

/** Pseudo-method name under which faults.failNext can target upload URLs. */
export const UPLOAD_FAULT_KEY = 'upload_url';

export async function startHttpServer(core: EmulatorCore): Promise<Server> {
  const server = createServer((request, response) => {
    route(core, request).then(
      (answer) => send(response, answer),
      (error: unknown) => {
        // An emulator defect, not Slack behaviour: make it loud in the test output.
        console.error('slack emulator: request failed', request.method, request.url, error);
        send(response, { status: 500, headers: { 'content-type': 'text/plain' }, body: String(error) });
      },
    );
  });
  server.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://x').pathname === '/link/')
      core.socket.handleUpgrade(request, socket, head);
    else socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  core.baseUrl = `http://127.0.0.1:${port}/`;
  return server;
}

async function route(core: EmulatorCore, request: IncomingMessage): Promise<HttpAnswer> {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const raw = await readBody(request).catch(() => undefined);
  if (!raw) return text(413, 'request body too large');
  const api = path.match(/^\/api\/([A-Za-z0-9_.]+)$/);
  if (api && (request.method === 'POST' || request.method === 'GET')) {
    return answerApiCall(core, api[1] as string, request, raw);
  }
  if (request.method !== 'POST') return text(405, 'method not allowed');
  const upload = path.match(/^\/upload\/v1\/([\w-]+)$/);
  if (upload) {
    if (core.faults.slowMs > 0) await delay(core.faults.slowMs);
    const status = takeFault(core.faults.httpFailures, UPLOAD_FAULT_KEY);
    if (status !== undefined) return httpFailure(core, status);
    const isMultipart = (request.headers['content-type'] ?? '')
      .toLowerCase()
      .startsWith('multipart/form-data');
    let content: Buffer | undefined = raw;
    if (isMultipart) {
      const parsed = await parseRequest(request, raw).catch(() => undefined);
      content = parsed ? [...parsed.files.values()][0]?.content : undefined;
    }
    const result = acceptUpload(core, upload[1] as string, content);
    return text(result.status, result.text);
  }
  const action = path.match(/^\/actions\/[A-Z0-9]+\/\d+\/(\w+)$/);
  if (action) return core.responseUrls.answer(core, action[1] as string, raw);
  return text(404, 'not found');
}

function text(status: number, body: string): HttpAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

function send(response: ServerResponse, answer: HttpAnswer): void {
  response.writeHead(answer.status, answer.headers);
  response.end(answer.body);
}
