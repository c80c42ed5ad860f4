import { pluginCallDetails } from '../../errors/switchboard-error.js';
import type { HttpHandlers } from '../../http/server.js';
import type { WebhookAuth } from '../../http/webhook-auth.js';
import type { SourceCallContext, SourceClient } from '../../plugins/host/source-client.js';
import type { EventOrigin } from './event-dispatch.js';
import { wrapInEnvelope } from './http-envelope.js';

/** One source plugin entry of a group, as a webhook hands it its payload. */
export interface WebhookSourceEntry {
  key: string;
  rawConfig: Uint8Array;
}

export interface WebhookIntakeOptions {
  /** The group's source entries; none means the group takes no webhooks (404). */
  entries(group: string): WebhookSourceEntry[];
  auth(group: string): WebhookAuth;
  /** The running plugin's client; undefined while it is not running (503). */
  sourceClient(key: string): SourceClient | undefined;
  /** The plugin's payload schema asks for the request envelope instead of the raw body. */
  wantsEnvelope(key: string): boolean;
  context(group: string): SourceCallContext;
  dispatch(group: string, event: Uint8Array, origin?: EventOrigin): void;
  /**
   * Resolves once what was dispatched is in the durable delivery queue (see Outbox.persisted):
   * the webhook is answered only then, so a sender told 200 never loses its event to a crash.
   */
  persisted?(): Promise<void>;
  /** How long the answer waits for the queue before it is 503 (the sender retries). */
  persistTimeoutMs?: number;
}

/**
 * Incoming webhooks: each source plugin of the group turns the request into an event, which goes
 * out like a streamed one. The HTTP layer only sees the status code each failure maps to.
 */
export function createWebhookIntake(options: WebhookIntakeOptions): HttpHandlers['webhook'] {
  return (group) => {
    const entries = options.entries(group);
    if (entries.length === 0) return undefined;
    return {
      auth: options.auth(group),
      handle: async (body, headers) => {
        const requestKey = idempotencyKey(headers);
        for (const entry of entries) {
          const client = options.sourceClient(entry.key);
          // 503: the agent is still starting or the plugin is restarting; the sender may retry.
          if (!client) {
            throw Object.assign(new Error(`source plugin ${entry.key} is not running yet`), {
              statusCode: 503,
            });
          }
          let event: Uint8Array;
          try {
            event = await client.handleExternalRequest({
              payload: options.wantsEnvelope(entry.key)
                ? wrapInEnvelope(body, headers)
                : new Uint8Array(body),
              config: entry.rawConfig,
              context: options.context(group),
            });
          } catch (err) {
            throw withHttpStatus(err);
          }
          options.dispatch(
            group,
            event,
            requestKey === undefined ? undefined : { requestKey: `${entry.key}\0${requestKey}` },
          );
        }
        if (options.persisted) await stored(options.persisted(), options.persistTimeoutMs ?? 10_000);
      },
    };
  };
}

/** Longest `Idempotency-Key` taken; senders use UUIDs or delivery ids, far shorter. */
const maxIdempotencyKey = 255;

/**
 * The request's `Idempotency-Key` (IETF httpapi draft: a quoted string, though most senders
 * send it bare), or undefined when there is none. A malformed one is the sender's fault (400):
 * ignoring it would quietly turn its retries into second alerts.
 */
export function idempotencyKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const value = (Array.isArray(raw) ? raw : [raw]).map((v) => v.trim());
  const key = value.length === 1 ? (/^"(.*)"$/.exec(value[0] ?? '')?.[1] ?? value[0]) : undefined;
  if (
    key === undefined ||
    key.length === 0 ||
    key.length > maxIdempotencyKey ||
    !/^[\x21-\x7e]+$/.test(key)
  ) {
    throw Object.assign(
      new Error(
        `Idempotency-Key header ${JSON.stringify(Array.isArray(raw) ? raw : raw.slice(0, 80))}: expected one value of 1 to ${maxIdempotencyKey} visible ASCII characters`,
      ),
      { statusCode: 400 },
    );
  }
  return key;
}

/**
 * The error the HTTP layer answers a failed webhook with. A plugin refusing it (UNAUTHENTICATED,
 * INVALID_ARGUMENT) is the caller's fault: 401 or 400, with the plugin's own text; anything else
 * is 500.
 */
export function withHttpStatus(err: unknown): Error & { statusCode: number } {
  const call = pluginCallDetails(err);
  const statusCode = call?.grpcCode === 16 ? 401 : call?.grpcCode === 3 ? 400 : 500;
  const text = call?.pluginMessage ?? (err instanceof Error ? err.message : String(err));
  return Object.assign(new Error(text, { cause: err }), { statusCode });
}

/**
 * Waits for the queue write; a failed or late write answers 503, so the sender retries rather
 * than believing an event stored that a crash could lose. (The event may still be delivered:
 * it is queued in memory, so a retry can post it twice; a lost one would be worse.)
 */
async function stored(write: Promise<void>, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the event was not stored in the delivery queue within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([write, late]);
  } catch (err) {
    throw Object.assign(
      new Error(`event accepted but not stored in the delivery queue: ${(err as Error).message}; retry`, {
        cause: err,
      }),
      { statusCode: 503 },
    );
  } finally {
    clearTimeout(timer);
  }
}
