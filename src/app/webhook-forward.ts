import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { HttpHandlers } from '../http/server.js';
import type { Logger } from '../log/logger.js';

type WebhookLookup = HttpHandlers['webhook'];
type Headers = Record<string, string | string[] | undefined>;

/** A forwarded request: what the follower received, after it checked the source and its auth. */
interface Forwarded {
  source: string;
  headers: Headers;
  /** The body, base64. */
  body: string;
}

/** The leader's answer: the HTTP status the follower gives its caller. */
interface Answer {
  status: number;
  error?: string;
}

/**
 * How long a follower waits for the leader's answer. The leader answers once the event is in
 * the shared queue (or its source plugin refused it), so this covers a plugin call and a
 * JetStream write; the caller then gets 503 and retries (Alertmanager and most senders do).
 */
const forwardTimeoutMs = 15_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The subject webhooks are forwarded on, one per deployment (its delivery consumer name). */
export function webhookSubject(deliverySubject: string, consumer: string): string {
  return `${deliverySubject}.webhooks.${consumer}`;
}

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode: status });
}

/**
 * The incoming webhooks of a follower (HA): a replica that does not lead has no source streams
 * and does not deliver, so it checks the request as the leader would (source exists, auth) and
 * hands it to the leader over NATS request-reply; the caller gets the leader's answer (200 once
 * the event is in the shared queue). A Service in front of all replicas thus works unchanged.
 * With no leader (an election in progress) the answer is 503, which senders retry.
 */
export function forwardingWebhooks(options: {
  local: WebhookLookup;
  nats(): NatsConnection | undefined;
  subject: string;
}): WebhookLookup {
  return (source) => {
    const target = options.local(source);
    if (!target) return undefined;
    return {
      auth: target.auth,
      async handle(body, headers) {
        const nc = options.nats();
        if (!nc)
          throw httpError(
            503,
            'this replica does not lead and has no NATS connection yet to reach the leader; retry',
          );
        const request: Forwarded = { source, headers, body: body.toString('base64') };
        let reply: Answer;
        try {
          const msg = await nc.request(options.subject, encoder.encode(JSON.stringify(request)), {
            timeout: forwardTimeoutMs,
          });
          reply = JSON.parse(decoder.decode(msg.data)) as Answer;
        } catch (err) {
          const message = (err as Error).message;
          throw httpError(
            503,
            /no responders/i.test(message)
              ? 'no replica leads right now (a leader election is in progress); retry'
              : `the leader did not answer in ${forwardTimeoutMs / 1000} s (${message}); retry`,
          );
        }
        if (reply.status !== 200)
          throw httpError(reply.status, reply.error ?? `the leader answered ${reply.status}`);
      },
    };
  };
}

/**
 * The leader's side: answers forwarded webhooks with its own handlers, one at a time per
 * message as they come (each waits for its event to be stored). Unsubscribe when the term ends,
 * so a deposed leader never accepts what it would not deliver.
 */
export function serveForwardedWebhooks(options: {
  nc: NatsConnection;
  subject: string;
  local: WebhookLookup;
  log: Logger;
}): { close(): Promise<void> } {
  const sub: Subscription = options.nc.subscribe(options.subject, {
    // Queue group: should two replicas briefly both subscribe (a step-down racing a new term),
    // each request still goes to one of them only.
    queue: 'leader',
  });
  const handling = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const msg of sub) {
      const task = (async () => {
        let answer: Answer;
        try {
          const request = JSON.parse(decoder.decode(msg.data)) as Forwarded;
          const target = options.local(request.source);
          if (!target) answer = { status: 404, error: `source "${request.source}" not found` };
          else {
            await target.handle(Buffer.from(request.body, 'base64'), request.headers);
            answer = { status: 200 };
          }
        } catch (err) {
          answer = {
            status: (err as { statusCode?: number }).statusCode ?? 500,
            error: err instanceof Error ? err.message : String(err),
          };
        }
        msg.respond(encoder.encode(JSON.stringify(answer)));
      })().catch((err: unknown) =>
        options.log.error({ err: (err as Error).message }, 'answering a forwarded webhook failed'),
      );
      handling.add(task);
      void task.finally(() => handling.delete(task));
    }
  })();
  return {
    async close() {
      // Drain, not unsubscribe: requests already delivered to this replica are answered (503
      // once the term's outbox is closed, so the sender retries at once) instead of being
      // dropped, which would leave the follower waiting for its timeout.
      await sub.drain().catch(() => undefined);
      await loop.catch(() => undefined);
      await Promise.all(handling);
    },
  };
}
