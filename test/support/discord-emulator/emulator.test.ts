/**
 * The emulator's own contract, over raw HTTP: the answers a Discord client relies on, in the
 * shapes Discord's API description gives them (rate-limit headers, 429 bodies, 204 callbacks,
 * the interaction deadline and double acknowledgement, 401 on a bad token, 5xx faults).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscordEmulator, startDiscordEmulator } from './index.js';

const open: DiscordEmulator[] = [];
afterEach(async () => {
  for (const emu of open.splice(0)) await emu.close();
});

async function emulator(options: Parameters<typeof startDiscordEmulator>[0] = {}) {
  const emu = await startDiscordEmulator(options);
  open.push(emu);
  return emu;
}

const post = (emu: DiscordEmulator, path: string, body: unknown, auth = true) =>
  fetch(`${emu.apiUrl}/v10${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bot ${emu.token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('Discord emulator REST', () => {
  it('answers a bad token with 401 and the gateway URL with the token', async () => {
    const emu = await emulator();
    const bad = await fetch(`${emu.apiUrl}/v10/gateway/bot`, { headers: { authorization: 'Bot nope' } });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: '401: Unauthorized', code: 0 });
    const good = await fetch(`${emu.apiUrl}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${emu.token}` },
    });
    expect(await good.json()).toMatchObject({ url: emu.gatewayUrl, shards: 1 });
  });

  it('sends bucket headers, then a 429 with retry_after once the bucket is spent', async () => {
    // Long: the first request compiles the spec's schemas, seconds on a loaded machine.
    const emu = await emulator({ messageBucket: { limit: 2, windowMs: 600_000 } });
    const channel = emu.addChannel('c').id;
    const first = await post(emu, `/channels/${channel}/messages`, { content: 'a' });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(Number(first.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(500);
    expect(first.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{16}$/);
    await post(emu, `/channels/${channel}/messages`, { content: 'b' });
    const limited = await post(emu, `/channels/${channel}/messages`, { content: 'c' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(500);
    const body = (await limited.json()) as { retry_after: number; global: boolean };
    expect(body.global).toBe(false);
    expect(body.retry_after).toBeGreaterThan(500);
    expect(emu.messages(channel).map((m) => m.content)).toEqual(['a', 'b']);
    expect(emu.stats().rateLimited).toBe(1);
  });

  it('rejects what Discord would: over-long labels by the spec (50035 tree), an empty message (50006), an unknown channel (10003)', async () => {
    const emu = await emulator();
    const channel = emu.addChannel('c').id;
    const long = await post(emu, `/channels/${channel}/messages`, {
      components: [{ type: 1, components: [{ type: 2, style: 1, label: 'x'.repeat(81), custom_id: 'a' }] }],
    });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({
      code: 50035,
      errors: {
        components: { 0: { components: { 0: { label: { _errors: [{ code: 'SPEC_VIOLATION' }] } } } } },
      },
    });
    expect(emu.specViolations()).toHaveLength(1);
    const empty = await post(emu, `/channels/${channel}/messages`, { content: '' });
    expect(await empty.json()).toEqual({ message: 'Cannot send an empty message', code: 50006 });
    const unknown = await post(emu, `/channels/${emu.missingChannel()}/messages`, { content: 'x' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: 'Unknown Channel', code: 10003 });
  });

  it('answers a scripted 5xx once, then serves again', async () => {
    const emu = await emulator();
    const channel = emu.addChannel('c').id;
    emu.faults.failNext('POST /channels/{channel_id}/messages', 503);
    expect((await post(emu, `/channels/${channel}/messages`, { content: 'x' })).status).toBe(503);
    expect((await post(emu, `/channels/${channel}/messages`, { content: 'x' })).status).toBe(200);
    expect(emu.messages(channel)).toHaveLength(1);
  });
});
