/**
 * The emulator's REST API under `/api/v10`: bot authentication, per-route rate limits with
 * Discord's headers and 429 bodies, scripted faults, Discord's JSON error bodies (50035 with an
 * `errors` tree), and every request and response checked against Discord's OpenAPI description.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIEmbed, APIMessageTopLevelComponent } from 'discord-api-types/v10';
import type { EmuAttachment, EmuMessage } from './payloads.js';
import type { RateLimits } from './rate-limits.js';
import {
  errorTree,
  type SpecRoute,
  type SpecViolation,
  sharedDiscordSpecValidator,
  specRoutes,
} from './spec-validation.js';

/** An error answer: HTTP status, Discord JSON code and message, optional `errors` tree. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface RestRequest {
  method: string;
  route: SpecRoute;
  params: Record<string, string>;
  query: URLSearchParams;
  body: Record<string, unknown>;
  files: EmuAttachment[];
}

export interface RestReply {
  status: number;
  body?: unknown;
}

/** A scripted fault: the next matching request gets this answer instead of being served. */
export interface RestFault {
  /** `METHOD /template`, e.g. `POST /channels/{channel_id}/messages`. */
  route: string;
  status: 429 | 500 | 502 | 503;
  /** For 429: seconds in `Retry-After` and `retry_after`. */
  retryAfterSeconds?: number;
  global?: boolean;
}

export interface RestOptions {
  token: string;
  limits: RateLimits;
  faults: RestFault[];
  /** Counters the tests read. */
  stats: { requests: number; rateLimited: number; faults: number };
  violations: SpecViolation[];
  /** Requests as received, for tests (`METHOD /template` plus body). */
  log: { route: string; body: unknown; at: number }[];
  /** Delay before answering an interaction callback (the "slow ack" fault), ms. */
  callbackDelayMs(): number;
  handle(request: RestRequest): RestReply | Promise<RestReply>;
}

/** Routes that carry no bot token and are exempt from the global limit (interaction webhooks). */
const tokenless = (route: string) => route.startsWith('/interactions/') || route.startsWith('/webhooks/');

function match(path: string): { route: SpecRoute; params: Record<string, string> } | undefined {
  for (const route of specRoutes) {
    const names: string[] = [];
    const pattern = route.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    const found = path.match(new RegExp(`^${pattern.replaceAll('@', '@')}$`));
    if (!found) continue;
    // `@original` is its own route, not a message ID.
    if (route.endsWith('{message_id}') && found.at(-1) === '@original') continue;
    if (route === '/users/{user_id}' && found[1] === '@me') continue;
    return {
      route,
      params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1] ?? '')])),
    };
  }
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The JSON body, and the files of a multipart body (`payload_json` + `files[n]`). */
async function parseBody(
  req: IncomingMessage,
  raw: Buffer,
): Promise<{ body: Record<string, unknown>; files: EmuAttachment[] }> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: {}, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const json = form.get('payload_json');
    const body = typeof json === 'string' ? (JSON.parse(json) as Record<string, unknown>) : {};
    const files: EmuAttachment[] = [];
    for (const [key, value] of form.entries()) {
      if (!key.startsWith('files[') || typeof value === 'string') continue;
      files.push({
        id: String(files.length),
        filename: value.name,
        content: Buffer.from(await value.arrayBuffer()),
      });
    }
    return { body, files };
  }
  if (!type.startsWith('application/json'))
    throw new RestError(400, 50109, 'The request body contains invalid JSON.');
  try {
    return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
  } catch {
    throw new RestError(400, 50109, 'The request body contains invalid JSON.');
  }
}

/** Bot limits the spec does not carry: 2,000 characters of content, and no empty message. */
function checkMessageBody(body: Record<string, unknown>, files: EmuAttachment[], creating: boolean): void {
  const content = body.content;
  if (typeof content === 'string' && content.length > 2000) {
    throw new RestError(400, 50035, 'Invalid Form Body', {
      content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
    });
  }
  const embeds = (body.embeds as APIEmbed[] | undefined) ?? [];
  const total = embeds.reduce(
    (sum, e) =>
      sum +
      (e.title?.length ?? 0) +
      (e.description?.length ?? 0) +
      (e.footer?.text.length ?? 0) +
      (e.author?.name.length ?? 0),
    0,
  );
  if (total > 6000) {
    throw new RestError(400, 50035, 'Invalid Form Body', {
      embeds: {
        _errors: [{ code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' }],
      },
    });
  }
  const components = (body.components as APIMessageTopLevelComponent[] | undefined) ?? [];
  if (creating && !content && embeds.length === 0 && components.length === 0 && files.length === 0) {
    throw new RestError(400, 50006, 'Cannot send an empty message');
  }
}

export function createRestHandler(options: RestOptions) {
  const validator = sharedDiscordSpecValidator();

  const send = (res: ServerResponse, status: number, headers: Record<string, string>, body?: unknown) => {
    if (body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  return async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    options.stats.requests += 1;
    if (!url.pathname.startsWith('/api/v10/')) {
      send(res, 404, {}, { message: '404: Not Found', code: 0 });
      return;
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname.slice('/api/v10'.length));
    } catch {
      path = '';
    }
    const found = match(path);
    if (!found) {
      send(res, 404, {}, { message: '404: Not Found', code: 0 });
      return;
    }
    const routeKey = `${method} ${found.route}`;
    const raw = await readBody(req);
    if (!tokenless(found.route) && req.headers.authorization !== `Bot ${options.token}`) {
      send(res, 401, {}, { message: '401: Unauthorized', code: 0 });
      return;
    }
    const major = found.params.channel_id ?? found.params.webhook_id ?? found.params.interaction_id ?? '';
    const faultAt = options.faults.findIndex((f) => f.route === routeKey);
    if (faultAt !== -1) {
      const [fault] = options.faults.splice(faultAt, 1);
      options.stats.faults += 1;
      if (fault?.status === 429) {
        options.stats.rateLimited += 1;
        const retryAfter = fault.retryAfterSeconds ?? 1;
        send(
          res,
          429,
          {
            'retry-after': String(retryAfter),
            'x-ratelimit-scope': fault.global ? 'global' : 'user',
            ...(fault.global ? { 'x-ratelimit-global': 'true' } : {}),
          },
          { message: 'You are being rate limited.', retry_after: retryAfter, global: fault.global ?? false },
        );
      } else {
        send(res, fault?.status ?? 500, {}, { message: 'Internal Server Error', code: 0 });
      }
      return;
    }
    const rate = options.limits.take(routeKey, major, tokenless(found.route));
    if (rate.limited) {
      options.stats.rateLimited += 1;
      send(res, 429, rate.headers, {
        message: 'You are being rate limited.',
        retry_after: Number(rate.limited.retryAfter.toFixed(3)),
        global: rate.limited.global,
      });
      return;
    }
    try {
      const { body, files } = await parseBody(req, raw);
      options.log.push({ route: routeKey, body, at: Date.now() });
      if (raw.length > 0) {
        const problems = validator.request(found.route, method, body);
        if (problems.length > 0) {
          options.violations.push({ kind: 'request', subject: routeKey, problems });
          throw new RestError(
            400,
            50035,
            'Invalid Form Body',
            errorTree(problems[0] ?? '/', 'SPEC_VIOLATION'),
          );
        }
      }
      const sendsMessage =
        /messages|webhooks\/\{webhook_id\}\/\{webhook_token\}$/.test(found.route) && method !== 'DELETE';
      if (sendsMessage) checkMessageBody(body, files, method === 'POST');
      if (found.route.endsWith('/callback')) {
        const delay = options.callbackDelayMs();
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
      const reply = await options.handle({
        method,
        route: found.route,
        params: found.params,
        query: url.searchParams,
        body,
        files,
      });
      if (reply.body !== undefined) {
        const problems = validator.response(found.route, method, reply.status, reply.body);
        if (problems.length > 0) options.violations.push({ kind: 'response', subject: routeKey, problems });
      }
      send(res, reply.status, rate.headers, reply.body);
    } catch (err) {
      if (err instanceof RestError) {
        send(res, err.status, rate.headers, {
          message: err.message,
          code: err.code,
          ...(err.errors ? { errors: err.errors } : {}),
        });
        return;
      }
      send(res, 500, rate.headers, { message: (err as Error).message, code: 0 });
    }
  };
}

export type { EmuMessage };
