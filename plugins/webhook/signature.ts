import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureConfig } from './config.js';
import type { IncomingRequest } from './envelope.js';
import { RequestRefused } from './request-refused.js';

/**
 * Checks the request against `signature` from config; throws {@link RequestRefused} (gRPC
 * UNAUTHENTICATED) when it does not match, fails closed when the host did not pass headers.
 */
export function verifySignature(request: IncomingRequest, signature: SignatureConfig): void {
  const scheme = signature.scheme ?? 'hmac-sha256';
  const header = (
    signature.header ?? (scheme === 'token' ? 'x-gitlab-token' : 'x-hub-signature-256')
  ).toLowerCase();
  if (!request.enveloped) {
    throw new RequestRefused(
      'signature.secret is set, but the host passed the body without its headers, so the signature ' +
        'cannot be checked. Switchboard hosts pass them; on other hosts remove `signature` from the config.',
    );
  }
  const received = request.headers[header];
  if (received === undefined || received === '') {
    throw new RequestRefused(`request refused: it has no ${header} header (config: signature.header)`);
  }
  const expected =
    scheme === 'token'
      ? signature.secret
      : `sha256=${createHmac('sha256', signature.secret).update(request.body).digest('hex')}`;
  // GitHub prefixes the hex with "sha256="; some senders send the hex alone.
  const given = scheme === 'hmac-sha256' && !received.startsWith('sha256=') ? `sha256=${received}` : received;
  if (!equalInConstantTime(given, expected)) {
    throw new RequestRefused(
      `request refused: the ${header} header does not match; check that signature.secret equals the secret set on the sender`,
    );
  }
}

function equalInConstantTime(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time the same.
  return left.length === right.length ? timingSafeEqual(left, right) : !timingSafeEqual(right, right);
}
