import { createHmac, timingSafeEqual } from 'node:crypto';

/** How callers of one source's incoming webhook prove who they are. */
export type WebhookAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  /** HMAC-SHA256 of the raw body in `header`, as `sha256=<hex>` (GitHub style) or bare hex. */
  | { type: 'hmac'; secret: string; header: string };

/** Checks one request; returns the refusal reason, or undefined when it may pass. */
export function checkWebhookAuth(
  auth: WebhookAuth,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): string | undefined {
  if (auth.type === 'none') return undefined;
  if (auth.type === 'bearer') {
    const given = single(headers.authorization);
    if (!given?.startsWith('Bearer ')) return 'missing bearer token';
    return equal(given.slice(7), auth.token) ? undefined : 'wrong bearer token';
  }
  const signature = single(headers[auth.header.toLowerCase()]);
  if (!signature) return `missing signature header ${auth.header}`;
  const expected = createHmac('sha256', auth.secret).update(body).digest('hex');
  const given = signature.startsWith('sha256=') ? signature.slice(7) : signature;
  return equal(given.toLowerCase(), expected) ? undefined : 'signature does not match the body';
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Constant-time comparison, so response timing leaks nothing about the secret. */
function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
