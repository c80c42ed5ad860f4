import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifySignature } from './signature.js';

const body = new TextEncoder().encode('{"ref":"refs/heads/main"}');
const hmac = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const request = (headers: Record<string, string>) => ({ headers, body, enveloped: true });

describe('verifySignature', () => {
  it('accepts a GitHub HMAC-SHA256 signature over the raw body, with or without the prefix', () => {
    expect(() =>
      verifySignature(request({ 'x-hub-signature-256': hmac('s3cret') }), { secret: 's3cret' }),
    ).not.toThrow();
    const bare = hmac('s3cret').slice('sha256='.length);
    expect(() =>
      verifySignature(request({ 'x-hub-signature-256': bare }), { secret: 's3cret' }),
    ).not.toThrow();
  });

  it('refuses a wrong secret, a changed body or a missing header, as UNAUTHENTICATED', () => {
    const wrong = request({ 'x-hub-signature-256': hmac('guess') });
    expect(() => verifySignature(wrong, { secret: 's3cret' })).toThrow(
      expect.objectContaining({
        code: 16,
        message: expect.stringContaining('the x-hub-signature-256 header does not match'),
      }),
    );
    const changed = {
      ...request({ 'x-hub-signature-256': hmac('s3cret') }),
      body: new TextEncoder().encode('{}'),
    };
    expect(() => verifySignature(changed, { secret: 's3cret' })).toThrow('does not match');
    expect(() => verifySignature(request({}), { secret: 's3cret' })).toThrow(
      'it has no x-hub-signature-256 header',
    );
  });

  it('checks a plain token (GitLab) in its own header', () => {
    const config = { secret: 'tok', scheme: 'token' as const };
    expect(() => verifySignature(request({ 'x-gitlab-token': 'tok' }), config)).not.toThrow();
    expect(() => verifySignature(request({ 'x-gitlab-token': 'toke' }), config)).toThrow('does not match');
    expect(() =>
      verifySignature(request({ 'x-my-token': 'tok' }), { ...config, header: 'X-My-Token' }),
    ).not.toThrow();
  });

  it('fails closed when the host passed no headers', () => {
    expect(() => verifySignature({ headers: {}, body, enveloped: false }, { secret: 's3cret' })).toThrow(
      'signature.secret is set, but the host passed the body without its headers',
    );
  });
});
