import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Agent, request } from 'undici';
import type { Message } from '../../src/contract/message.js';
import { renderMessageText } from '../../src/core/render-text.js';
import { DeliveryError } from '../../src/delivery/delivery-error.js';
import type {
  Destination,
  DestinationCapabilities,
  Outbound,
  PacingPolicy,
  PostedRef,
} from '../../src/delivery/destination.js';
import { digestEventCount } from '../../src/delivery/digest.js';

/** How the platform limits posting per channel, like Slack (~1/s, small bursts) or Discord (5 per 5 s). */
export interface PlatformLimits {
  ratePerSecond: number;
  burst: number;
  /** `seconds`: Retry-After in whole seconds, rounded up (Slack); `decimal`: with milliseconds (Discord). */
  retryAfter?: 'seconds' | 'decimal';
  /** Longest rendered text accepted; longer posts get 413. Default 4000. */
  maxTextLength?: number;
  /** Each answer is delayed this long (a slow receiver). */
  latencyMs?: number;
}

/** A message as the platform holds it (after its edits). */
export interface PostedMessage {
  id: string;
  channelId: string;
  threadId?: string;
  message: Message;
  /** The message rendered as markdown text, as the platform checks its length. */
  text: string;
  file?: { name: string; content: string };
  /** Source groups the pipeline said the message stands for. */
  sources?: string[];
  /** Date.now() when posted, and when last edited. */
  postedAt: number;
  editedAt?: number;
  edits: number;
}

/** One request the platform answered. */
export interface PlatformCall {
  method: 'POST' | 'PATCH';
  channelId: string;
  status: number;
  at: number;
  /** The wait a 429 asked for, in ms (as precise as the Retry-After header written). */
  retryAfterMs?: number;
}

/**
 * A chat platform on loopback HTTP that enforces a per-channel rate limit itself (a GCRA,
 * i.e. a leaky bucket of `burst` at `ratePerSecond`, coded apart from the pipeline's token
 * bucket) and answers 429 with Retry-After past it. It records every message, can be taken
 * down (503, or connections reset) for a while, and can reject the next posts with a status.
 */
export class RateLimitedPlatform {
  readonly posted: PostedMessage[] = [];
  readonly calls: PlatformCall[] = [];
  readonly #byId = new Map<string, PostedMessage>();
  /** Per channel: the time (ms) at which its bucket is empty again (GCRA "theoretical arrival time"). */
  readonly #tat = new Map<string, number>();
  readonly #sockets = new Set<Socket>();
  #downUntil = 0;
  #downHow: 'status' | 'reset' = 'status';
  #open = 0;
  /** Most requests handled at the same time. */
  maxConcurrent = 0;
  #rejects: number[] = [];
  #n = 0;

  private constructor(
    readonly limits: PlatformLimits,
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(limits: PlatformLimits): Promise<RateLimitedPlatform> {
    let platform: RateLimitedPlatform | undefined;
    const server = createServer((req, res) => {
      void (platform as RateLimitedPlatform).handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    platform = new RateLimitedPlatform(limits, server, `http://127.0.0.1:${port}`);
    const sockets = platform.#sockets;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return platform;
  }

  /** 429 answers sent so far. */
  get rateLimitedAnswers(): number {
    return this.calls.filter((c) => c.status === 429).length;
  }

  /** Answers 503 (or resets connections) for `ms` from now. */
  takeDown(ms: number, how: 'status' | 'reset' = 'status'): void {
    this.#downUntil = Date.now() + ms;
    this.#downHow = how;
  }

  /** The next posts or edits are answered with these statuses, in order (e.g. 400, 413, 500). */
  rejectNext(...statuses: number[]): void {
    this.#rejects.push(...statuses);
  }

  /** Posted messages (not edits) of one channel, in order. */
  messages(channelId: string): PostedMessage[] {
    return this.posted.filter((m) => m.channelId === channelId);
  }

  /** A Destination (kind `chat` unless told) that posts to this platform over HTTP. */
  destination(
    id: string,
    options: {
      pacing?: PacingPolicy;
      capabilities?: Partial<DestinationCapabilities>;
      kind?: 'chat' | 'sink';
    } = {},
  ): PlatformDestination {
    return new PlatformDestination(id, this.url, options);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#open += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#open);
    res.on('close', () => {
      this.#open -= 1;
    });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.limits.latencyMs) await new Promise((r) => setTimeout(r, this.limits.latencyMs));
    const now = Date.now();
    const match = /^\/channels\/([^/]+)\/messages(?:\/([^/]+))?$/.exec(req.url ?? '');
    const method = req.method === 'PATCH' ? 'PATCH' : 'POST';
    if (!match) return this.answer(res, 404, { error: 'no such route' });
    const channelId = decodeURIComponent(match[1] as string);
    const record = (status: number) => this.calls.push({ method, channelId, status, at: now });

    if (now < this.#downUntil) {
      record(503);
      if (this.#downHow === 'reset') {
        req.socket.destroy();
        return;
      }
      return this.answer(res, 503, { error: 'service unavailable' });
    }
    // The limit is checked before anything else, as platforms do.
    const interval = 1000 / this.limits.ratePerSecond;
    const tat = Math.max(this.#tat.get(channelId) ?? now, now);
    const allowedAt = tat + interval - this.limits.burst * interval;
    if (now < allowedAt) {
      const waitMs = allowedAt - now;
      const retryAfter =
        this.limits.retryAfter === 'decimal' ? (waitMs / 1000).toFixed(3) : String(Math.ceil(waitMs / 1000));
      this.calls.push({ method, channelId, status: 429, at: now, retryAfterMs: Number(retryAfter) * 1000 });
      res.setHeader('retry-after', retryAfter);
      return this.answer(res, 429, { error: 'ratelimited' });
    }
    this.#tat.set(channelId, tat + interval);

    const reject = this.#rejects.shift();
    if (reject !== undefined) {
      record(reject);
      return this.answer(res, reject, { error: `rejected with ${reject}` });
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      message: Message;
      threadId?: string;
      sources?: string[];
      file?: { name: string; base64: string };
    };
    const text = renderMessageText(body.message, { format: 'markdown' }).full;
    if (text.length > (this.limits.maxTextLength ?? 4000)) {
      record(413);
      return this.answer(res, 413, { error: 'msg_too_long' });
    }
    const file = body.file
      ? { name: body.file.name, content: Buffer.from(body.file.base64, 'base64').toString('utf8') }
      : undefined;
    if (method === 'PATCH') {
      const target = this.#byId.get(decodeURIComponent(match[2] ?? ''));
      if (!target || target.channelId !== channelId) {
        record(404);
        return this.answer(res, 404, { error: 'message_not_found' });
      }
      target.message = body.message;
      target.text = text;
      target.edits += 1;
      target.editedAt = now;
      record(200);
      return this.answer(res, 200, { id: target.id });
    }
    const id = String(++this.#n);
    const posted: PostedMessage = {
      id,
      channelId,
      message: body.message,
      text,
      postedAt: now,
      edits: 0,
      ...(body.threadId ? { threadId: body.threadId } : {}),
      ...(body.sources ? { sources: body.sources } : {}),
      ...(file ? { file } : {}),
    };
    this.posted.push(posted);
    this.#byId.set(id, posted);
    record(200);
    return this.answer(res, 200, { id });
  }

  private answer(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** The client side: a real Destination that maps the platform's answers to DeliveryErrors. */
export class PlatformDestination implements Destination {
  readonly kind: 'chat' | 'sink';
  readonly capabilities: DestinationCapabilities;
  readonly pacing: PacingPolicy | undefined;
  /** Calls made to deliver(), including failed ones. */
  attempts = 0;
  readonly #agent = new Agent({ keepAliveTimeout: 10_000, connections: 8 });

  constructor(
    readonly id: string,
    private readonly baseUrl: string,
    options: {
      pacing?: PacingPolicy;
      capabilities?: Partial<DestinationCapabilities>;
      kind?: 'chat' | 'sink';
    },
  ) {
    this.kind = options.kind ?? 'chat';
    this.pacing = options.pacing;
    this.capabilities = {
      edit: true,
      files: true,
      threads: true,
      interactive: false,
      maxMessageLength: 4000,
      ...options.capabilities,
    };
  }

  async deliver(outbound: Outbound): Promise<PostedRef> {
    this.attempts += 1;
    const channelId = outbound.address.channelId || 'sink';
    const path = outbound.replaces
      ? `/channels/${encodeURIComponent(channelId)}/messages/${encodeURIComponent(outbound.replaces.messageId)}`
      : `/channels/${encodeURIComponent(channelId)}/messages`;
    const body = JSON.stringify({
      message: outbound.message,
      ...(outbound.address.threadId ? { threadId: outbound.address.threadId } : {}),
      ...(outbound.sources ? { sources: outbound.sources } : {}),
      ...(outbound.file
        ? {
            file: { name: outbound.file.name, base64: Buffer.from(outbound.file.content).toString('base64') },
          }
        : {}),
    });
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(`${this.baseUrl}${path}`, {
        method: outbound.replaces ? 'PATCH' : 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        dispatcher: this.#agent,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
    } catch (err) {
      throw new DeliveryError(`${this.id}: ${(err as Error).message}`, {
        reason: 'unavailable',
        retryable: true,
        cause: err,
      });
    }
    const text = await response.body.text();
    const status = response.statusCode;
    if (status >= 200 && status < 300) {
      return { channelId: outbound.address.channelId, messageId: (JSON.parse(text) as { id: string }).id };
    }
    if (status === 429) {
      const header = Number(response.headers['retry-after']);
      throw new DeliveryError(`${this.id}: rate limited`, {
        reason: 'rate-limited',
        retryable: true,
        ...(Number.isFinite(header) ? { retryAfterMs: Math.round(header * 1000) } : {}),
      });
    }
    if (status >= 500)
      throw new DeliveryError(`${this.id}: HTTP ${status}`, { reason: 'unavailable', retryable: true });
    if (status === 413)
      throw new DeliveryError(`${this.id}: too large`, { reason: 'too-large', retryable: false });
    throw new DeliveryError(`${this.id}: HTTP ${status} ${text}`, { reason: 'rejected', retryable: false });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** Events a posted message stands for: a digest's header count, or 1 for a single event. */
export function eventsIn(posted: PostedMessage): number {
  return digestEventCount(posted.message) ?? 1;
}

/**
 * The numbers N of every `event N` whose details a message shows, in order: the text of a
 * single event, a digest's lines (a folded `k×` line counts k times) and its attached file.
 * A digest with a file lists every event in the file, so only the file is read then.
 */
export function eventNumbersIn(posted: PostedMessage, pattern = /event (\d+)/): number[] {
  const numbers = (lines: readonly string[]) =>
    lines.flatMap((line) => {
      const match = pattern.exec(line);
      if (!match) return [];
      const times = /^(\d[\d,]*)× /.exec(line);
      return Array<number>(times ? Number((times[1] as string).replaceAll(',', '')) : 1).fill(
        Number(match[1]),
      );
    });
  if (digestEventCount(posted.message) === undefined) return numbers([posted.text]);
  if (posted.file) return numbers(posted.file.content.split('\n').slice(1));
  return numbers(posted.message.sections?.[0]?.bulletLists?.[0]?.items ?? []);
}
