/**
 * Rocket.Chat's REST API v1, the part a bot uses: `login`, `me`, `rooms.get`, `chat.postMessage`,
 * `chat.sendMessage`, `chat.update`, `chat.syncMessages`, `im.create`, `rooms.media` +
 * `rooms.mediaConfirm`. `X-User-Id` / `X-Auth-Token` on every call but login, `{success}`
 * envelopes and Rocket.Chat's error shapes, the 5,000-character message limit, the rate limiter,
 * and scripted faults. Every request and successful answer is checked against the OpenAPI files.
 */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type RateLimit, RouteLimiter, tooManyRequests } from './rate-limiter.js';
import type { SpecValidator, SpecViolation } from './spec-validation.js';
import {
  type Attachment,
  type Room,
  randomId,
  restMessage,
  type ServerStore,
  type StoredMessage,
  type User,
} from './store.js';

/** `Message_MaxAllowedSize`'s default. */
export const maxMessageSize = 5000;

export interface Fault {
  status: number;
  /** For 429: how long until the window resets. */
  retryAfterMs?: number;
}

export interface RestStats {
  requests: Map<string, number>;
  rateLimited: number;
}

export interface RestApiOptions {
  store: ServerStore;
  spec: SpecValidator;
  rateLimit?: RateLimit;
  /** A new message was stored: publish it on the realtime API. */
  published(message: StoredMessage, room: Room): void;
}

type Json = Record<string, unknown>;

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: Json,
    readonly headers: Record<string, string> = {},
  ) {}
}

const failure = (error: string, errorType?: string, status = 400) =>
  new HttpAnswer(status, { success: false, error, ...(errorType ? { errorType } : {}) });

export class RestApi {
  readonly #options: RestApiOptions;
  readonly #limiter: RouteLimiter | undefined;
  readonly #faults = new Map<string, Fault[]>();
  readonly #slow = new Map<string, number>();
  readonly #lateAnswers = new Map<string, number>();
  readonly violations: SpecViolation[] = [];
  readonly stats: RestStats = { requests: new Map(), rateLimited: 0 };

  constructor(options: RestApiOptions) {
    this.#options = options;
    this.#limiter = options.rateLimit ? new RouteLimiter(options.rateLimit) : undefined;
  }

  /** The next call of `route` gets `fault` instead of its answer. */
  failNext(route: string, fault: Fault): void {
    const list = this.#faults.get(route) ?? [];
    list.push(fault);
    this.#faults.set(route, list);
  }

  /** Every call of `route` waits `ms` before it is answered (0 ends it). */
  slow(route: string, ms: number): void {
    if (ms > 0) this.#slow.set(route, ms);
    else this.#slow.delete(route);
  }

  /** Every call of `route` is carried out at once but answered `ms` later (a loaded server). */
  answerLate(route: string, ms: number): void {
    if (ms > 0) this.#lateAnswers.set(route, ms);
    else this.#lateAnswers.delete(route);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const raw = await readBody(req);
    const answer = await this.#answer(req, url, raw).catch(
      (err: unknown) => new HttpAnswer(500, { success: false, error: (err as Error).message }),
    );
    const late = this.#lateAnswers.get(url.pathname.slice('/api/v1/'.length).split('/')[0] ?? '');
    if (late) await new Promise((r) => setTimeout(r, late));
    if (answer.status === 200) {
      const violation = this.#options.spec.checkResponse(req.method ?? 'GET', url.pathname, answer.body);
      if (violation) this.violations.push(violation);
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  async #answer(req: IncomingMessage, url: URL, raw: Buffer): Promise<HttpAnswer> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (!path.startsWith('/api/v1/')) return failure(`no route ${path}`, undefined, 404);
    const [route = '', ...rest] = path.slice('/api/v1/'.length).split('/');
    this.stats.requests.set(route, (this.stats.requests.get(route) ?? 0) + 1);
    const delay = this.#slow.get(route);
    if (delay) await new Promise((r) => setTimeout(r, delay));

    const type = req.headers['content-type'] ?? '';
    let body: unknown;
    if (type.includes('application/json') && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return failure('Invalid JSON body', 'error-invalid-json');
      }
    }
    const violation = this.#options.spec.checkRequest(method, path, url.searchParams, body);
    if (violation) {
      this.violations.push(violation);
      return failure(
        `request does not match the API description: ${violation.problems.join('; ')}`,
        'error-invalid-params',
      );
    }

    if (route === 'login' && method === 'POST') return this.#login(body as Json | undefined);
    const user = this.#options.store.userByToken(header(req, 'x-user-id'), header(req, 'x-auth-token'));
    if (!user) {
      return new HttpAnswer(401, {
        success: false,
        status: 'error',
        error: 'You must be logged in to do this.',
        message: 'You must be logged in to do this.',
      });
    }

    const fault = this.#faults.get(route)?.shift();
    let limitHeaders: Record<string, string> = {};
    if (fault?.status === 429) return this.#limited(Date.now() + (fault.retryAfterMs ?? 1000), {});
    if (fault) return failure(`injected fault ${fault.status}`, 'error-injected', fault.status);
    if (this.#limiter && !(user.roles.includes('bot') && this.#limiter.limit.exemptBots !== false)) {
      const verdict = this.#limiter.take(route, req.socket.remoteAddress ?? '');
      limitHeaders = verdict.headers;
      if (!verdict.allowed) return this.#limited(verdict.resetAt, verdict.headers);
    }
    const answer = await this.#route(method, route, rest, url.searchParams, body as Json, user, type, raw);
    return new HttpAnswer(answer.status, answer.body, { ...limitHeaders, ...answer.headers });
  }

  #limited(resetAt: number, headers: Record<string, string>): HttpAnswer {
    this.stats.rateLimited++;
    return new HttpAnswer(429, tooManyRequests(resetAt), {
      'x-ratelimit-limit': headers['x-ratelimit-limit'] ?? '10',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(resetAt),
    });
  }

  #login(body: Json | undefined): HttpAnswer {
    const store = this.#options.store;
    let user: User | undefined;
    let token: string | undefined;
    if (typeof body?.resume === 'string') {
      user = store.userByAnyToken(body.resume);
      token = body.resume;
    } else {
      const name = String(body?.user ?? body?.username ?? '');
      const candidate = store.userByName(name);
      if (candidate && typeof body?.password === 'string' && body.password === candidate.password) {
        user = candidate;
        token = randomBytes(24).toString('base64url');
        user.tokens.add(token);
      }
    }
    if (!user || !token) {
      return new HttpAnswer(401, { status: 'error', error: 'Unauthorized', message: 'Unauthorized' });
    }
    return new HttpAnswer(200, {
      status: 'success',
      data: { userId: user._id, authToken: token, me: me(user) },
    });
  }

  async #route(
    method: string,
    route: string,
    params: string[],
    query: URLSearchParams,
    body: Json,
    user: User,
    type: string,
    raw: Buffer,
  ): Promise<HttpAnswer> {
    const store = this.#options.store;
    const key = `${method} ${route}`;
    switch (key) {
      case 'GET me':
        return ok(me(user));
      case 'GET rooms.get': {
        const raw = query.get('updatedSince');
        const since = raw === null ? Number.NEGATIVE_INFINITY : Date.parse(raw);
        if (Number.isNaN(since)) {
          return failure(
            'The "updatedSince" query parameter must be a valid date. [error-updatedSince-param-invalid]',
            'error-updatedSince-param-invalid',
          );
        }
        const rooms = [...store.rooms.values()].filter((r) => r.members.has(user._id) && r.updatedAt > since);
        return ok({ update: rooms.map(roomJson), remove: [] });
      }
      case 'POST chat.sendMessage': {
        const m = (body.message ?? {}) as Json;
        return this.#post(user, {
          rid: String(m.rid ?? ''),
          msg: typeof m.msg === 'string' ? m.msg : '',
          ...(typeof m._id === 'string' ? { _id: m._id } : {}),
          ...(typeof m.tmid === 'string' ? { tmid: m.tmid } : {}),
          ...(Array.isArray(m.attachments) ? { attachments: m.attachments as Attachment[] } : {}),
          ...(typeof m.t === 'string' ? { t: m.t } : {}),
        });
      }
      case 'POST chat.postMessage': {
        const rid =
          typeof body.roomId === 'string' ? body.roomId : this.#roomByName(String(body.channel ?? ''));
        const posted = this.#post(user, {
          rid: rid ?? '',
          msg: typeof body.text === 'string' ? body.text : '',
          ...(typeof body.tmid === 'string' ? { tmid: body.tmid } : {}),
          ...(Array.isArray(body.attachments) ? { attachments: body.attachments as Attachment[] } : {}),
        });
        if (posted.status !== 200) return posted;
        const message = posted.body.message as Json;
        return ok({ ts: Date.now(), channel: String(body.channel ?? body.roomId), message });
      }
      case 'POST chat.update': {
        const message = store.message(String(body.msgId));
        if (!message) return failure('No message found with the id of "msgId".', 'error-invalid-message');
        if (message.rid !== body.roomId) {
          return failure(
            'The room id provided does not match where the message is from.',
            'error-invalid-room',
          );
        }
        if (message.u._id !== user._id) return failure('Not allowed', 'error-action-not-allowed');
        const text = String(body.text ?? '');
        if (text.length > maxMessageSize)
          return failure('error-message-size-exceeded', 'error-message-size-exceeded');
        message.history.push(message.msg);
        message.msg = text;
        message.editedAt = store.now();
        message.updatedAt = message.editedAt;
        return ok({ message: restMessage(message) });
      }
      case 'GET chat.syncMessages': {
        const room = store.rooms.get(query.get('roomId') ?? '');
        if (!room || !store.canRead(user._id, room)) return failure('error-not-allowed', 'error-not-allowed');
        const since = Date.parse(query.get('lastUpdate') ?? '');
        if (Number.isNaN(since))
          return failure(
            'The "lastUpdate" query parameter must be a valid date.',
            'error-lastUpdate-param-not-valid',
          );
        const updated = store.messages.filter((m) => m.rid === room._id && m.updatedAt > since);
        return ok({ result: { updated: updated.map(restMessage), deleted: [] } });
      }
      case 'POST im.create': {
        const other = store.userByName(String(body.username ?? ''));
        if (!other) return failure('error-invalid-user', 'error-invalid-user');
        const room = store.directRoom(user._id, other._id);
        return ok({
          room: { _id: room._id, rid: room._id, t: 'd', usernames: [user.username, other.username] },
        });
      }
      case 'POST rooms.media': {
        const room = store.rooms.get(params[0] ?? '');
        if (!room?.members.has(user._id)) return failure('error-not-allowed', 'error-not-allowed');
        const form = await new Request('http://emulator/', {
          method: 'POST',
          headers: { 'content-type': type },
          body: raw,
        }).formData();
        const file = form.get('file');
        if (!(file instanceof Blob)) return failure('[No file uploaded]', 'error-invalid-file');
        const id = randomId();
        const name = (file as File).name || 'file';
        store.files.set(id, {
          _id: id,
          rid: room._id,
          name,
          content: Buffer.from(await file.arrayBuffer()),
          confirmed: false,
          userId: user._id,
        });
        return ok({ file: { _id: id, url: `/file-upload/${id}/${encodeURIComponent(name)}` } });
      }
      case 'POST rooms.mediaConfirm': {
        const file = store.files.get(params[1] ?? '');
        if (!file || file.rid !== params[0] || file.userId !== user._id) {
          return failure('error-file-not-found', 'error-file-not-found');
        }
        file.confirmed = true;
        return this.#post(user, {
          rid: file.rid,
          msg: typeof body.msg === 'string' ? body.msg : '',
          ...(typeof body.tmid === 'string' ? { tmid: body.tmid } : {}),
          file: { _id: file._id, name: file.name, type: 'text/plain' },
          attachments: [
            {
              title: file.name,
              title_link: `/file-upload/${file._id}/${encodeURIComponent(file.name)}`,
              type: 'file',
              ...(typeof body.description === 'string' ? { text: body.description } : {}),
            },
          ],
        });
      }
      default:
        return failure(`the emulator has no route ${key}`, undefined, 404);
    }
  }

  #roomByName(channel: string): string | undefined {
    const name = channel.replace(/^#/, '');
    return [...this.#options.store.rooms.values()].find((r) => r.name === name)?._id;
  }

  #post(
    user: User,
    m: Pick<StoredMessage, 'rid' | 'msg'> &
      Partial<Pick<StoredMessage, '_id' | 'tmid' | 'attachments' | 't' | 'file'>>,
  ): HttpAnswer {
    const store = this.#options.store;
    const room = store.rooms.get(m.rid);
    if (!room) return failure('error-invalid-room', 'error-invalid-room');
    if (!room.members.has(user._id)) return failure('error-not-allowed', 'error-not-allowed');
    if (m.t) return failure('error-invalid-params', 'error-invalid-params');
    const texts = [m.msg, ...(m.attachments ?? []).map((a) => a.text ?? '')];
    if (texts.some((t) => t.length > maxMessageSize)) {
      return failure('error-message-size-exceeded', 'error-message-size-exceeded');
    }
    if (m.tmid) {
      const root = store.message(m.tmid);
      if (!root || root.rid !== room._id) return failure('error-invalid-message', 'error-invalid-message');
    }
    if (m._id && store.message(m._id)) {
      return failure('A message with this id already exists', 'error-message-already-exists');
    }
    const stored = store.addMessage({
      ...(m._id ? { _id: m._id } : {}),
      rid: room._id,
      msg: m.msg,
      u: { _id: user._id, username: user.username, name: user.name },
      ...(m.tmid ? { tmid: m.tmid } : {}),
      ...(m.attachments ? { attachments: m.attachments } : {}),
      ...(m.file ? { file: m.file } : {}),
    });
    this.#options.published(stored, room);
    return ok({ message: restMessage(stored) });
  }
}

function ok(body: Json): HttpAnswer {
  return new HttpAnswer(200, { ...body, success: true });
}

function me(user: User): Json {
  return {
    _id: user._id,
    username: user.username,
    name: user.name,
    status: 'online',
    active: true,
    roles: user.roles,
    utcOffset: 0,
    avatarUrl: `/avatar/${user.username}`,
  };
}

function roomJson(room: Room): Json {
  return {
    _id: room._id,
    t: room.t,
    ...(room.name ? { name: room.name, fname: room.name } : {}),
    usersCount: room.members.size,
    _updatedAt: new Date(room.updatedAt).toISOString(),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
