import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

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
    const token = bearerToken(single(headers.authorization));
    if (token === undefined) return 'missing bearer token';
    return constantTimeEqual(token, auth.token) ? undefined : 'wrong bearer token';
  }
  const signature = single(headers[auth.header.toLowerCase()]);
  if (!signature) return `missing signature header ${auth.header}`;
  const expected = createHmac('sha256', auth.secret).update(body).digest('hex');
  const given = signature.startsWith('sha256=') ? signature.slice(7) : signature;
  return constantTimeEqual(given.toLowerCase(), expected) ? undefined : 'signature does not match the body';
}

/**
 * The credentials of an `Authorization: Bearer <token>` header, or undefined for another
 * scheme. The scheme name is case-insensitive (RFC 7235 section 2.1), so `bearer` and
 * `BEARER` count too; blanks around the token are not part of it.
 */
function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Compares a secret with what a caller sent in time that depends on neither's content nor
 * length: both are reduced to SHA-256 digests (always 32 bytes) before `timingSafeEqual`, so
 * there is no early exit on a length mismatch that would tell a caller how long the secret is.
 */
export function constantTimeEqual(given: string, secret: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(secret).digest();
  return timingSafeEqual(a, b);
}
