/**
 * Rocket.Chat's REST API v1 over undici: the bot user's `X-User-Id` / `X-Auth-Token` on every
 * call, JSON in and out, the `{success: false, error, errorType}` envelope turned into a
 * {@link DeliveryError} the pipeline acts on, and the rate limiter's headers obeyed per route
 * (rate-limits.ts). The token never appears in an error or a log line.
 */
import { Agent, type Dispatcher, type FormData, fetch } from 'undici';
import { sleep } from '../../core/backoff.js';
import { DeliveryError, type DeliveryFailureReason } from '../../delivery/delivery-error.js';
import { RateLimitBook } from './rate-limits.js';
import type { Identity } from './realtime-session.js';

export interface RestClientOptions {
  /** Server base URL, e.g. `https://chat.example.com` (no `/api`). */
  baseUrl: string;
  ca?: string[];
  timeoutMs: number;
  /** The current sign-in; undefined before the first login. */
  identity(): Identity | undefined;
}

/**
 * What to do when the route's rate-limit window is spent: `throw` a rate-limited DeliveryError
 * (deliveries: the pipeline waits and keeps the order), or `wait` it out here (look-ups).
 */
export type WhenLimited = 'throw' | 'wait';

/** Error types Rocket.Chat answers with, and what the delivery pipeline does about them. */
const errorReasons: Record<string, { reason: DeliveryFailureReason; retryable: boolean }> = {
  'error-message-size-exceeded': { reason: 'too-large', retryable: false },
  'error-room-not-found': { reason: 'unknown-channel', retryable: false },
  'error-invalid-room': { reason: 'unknown-channel', retryable: false },
  'error-not-allowed': { reason: 'rejected', retryable: false },
  'error-action-not-allowed': { reason: 'rejected', retryable: false },
  'error-file-too-large': { reason: 'too-large', retryable: false },
  'too-many-requests': { reason: 'rate-limited', retryable: true },
};

/** A refused REST call, with the `errorType` Rocket.Chat gave, for callers that expect one. */
export class RocketApiError extends DeliveryError {
  readonly errorType: string | undefined;
  constructor(
    message: string,
    options: ConstructorParameters<typeof DeliveryError>[1] & { errorType: string | undefined },
  ) {
    super(message, options);
    this.errorType = options.errorType;
  }
}

/** When a 429 carries no reset header: Rocket.Chat's default window. */
const defaultWindowMs = 60_000;

export class RestClient {
  readonly #options: RestClientOptions;
  readonly #dispatcher: Dispatcher | undefined;
  readonly limits = new RateLimitBook();

  constructor(options: RestClientOptions) {
    this.#options = options;
    this.#dispatcher = options.ca ? new Agent({ connect: { ca: options.ca } }) : undefined;
  }

  get(route: string, query: Record<string, string> = {}, when: WhenLimited = 'wait'): Promise<unknown> {
    const search = new URLSearchParams(query).toString();
    return this.#call(route, `${route}${search ? `?${search}` : ''}`, { method: 'GET' }, when);
  }

  post(route: string, body: unknown, when: WhenLimited = 'throw', path: string = route): Promise<unknown> {
    return this.#call(
      route,
      path,
      { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } },
      when,
    );
  }

  /** A multipart upload (`rooms.media/:rid`); `route` names the rate-limit window. */
  upload(route: string, path: string, form: FormData, when: WhenLimited = 'throw'): Promise<unknown> {
    return this.#call(route, path, { method: 'POST', body: form }, when);
  }

  async close(): Promise<void> {
    await this.#dispatcher?.close();
  }

  async #call(
    route: string,
    path: string,
    init: { method: string; body?: string | FormData; headers?: Record<string, string> },
    when: WhenLimited,
  ): Promise<unknown> {
    const wait = this.limits.waitMs(route);
    if (wait > 0) {
      if (when === 'throw') {
        throw new DeliveryError(`Rocket.Chat ${route}: rate limit spent, next call in ${wait} ms`, {
          reason: 'rate-limited',
          retryable: true,
          retryAfterMs: wait,
        });
      }
      await sleep(wait);
    }
    const identity = this.#options.identity();
    const headers: Record<string, string> = { ...init.headers };
    if (identity) {
      headers['x-user-id'] = identity.userId;
      headers['x-auth-token'] = identity.token;
    }
    this.limits.spend(route);
    let response: Awaited<ReturnType<typeof fetch>>;
    let text: string;
    try {
      response = await fetch(`${this.#options.baseUrl}/api/v1/${path}`, {
        method: init.method,
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
      text = await response.text();
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      throw new DeliveryError(
        `Rocket.Chat ${route} ${timedOut ? `took longer than ${this.#options.timeoutMs} ms` : `failed: ${(err as Error).message}`}`,
        { reason: timedOut ? 'timeout' : 'unavailable', retryable: true, cause: err },
      );
    }
    this.limits.record(route, response.headers);
    const body = parseBody(text);
    if (response.ok && body.success !== false) return body;
    throw this.#failure(route, response.status, response.headers.get('x-ratelimit-reset'), body);
  }

  #failure(
    route: string,
    status: number,
    reset: string | null,
    body: Record<string, unknown>,
  ): DeliveryError {
    const detail = String(body.error ?? body.message ?? `HTTP ${status}`).slice(0, 300);
    const errorType = typeof body.errorType === 'string' ? body.errorType : undefined;
    const fail = (reason: DeliveryFailureReason, retryable: boolean, retryAfterMs?: number) =>
      new RocketApiError(`Rocket.Chat ${route} failed: ${detail}`, {
        reason,
        retryable,
        errorType,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    if (status === 429 || detail.includes('[error-too-many-requests]')) {
      const resetAt = reset === null ? undefined : Number(reset);
      return fail('rate-limited', true, this.limits.exhausted(route, resetAt, defaultWindowMs));
    }
    if (status === 401) return fail('auth', false);
    if (status >= 500) return fail('unavailable', true);
    const known = errorReasons[String(body.errorType ?? body.error ?? '')];
    if (known) return fail(known.reason, known.retryable);
    return fail('rejected', false);
  }
}

function parseBody(text: string): Record<string, unknown> {
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return { error: `not JSON: ${text.slice(0, 100)}` };
  }
}
