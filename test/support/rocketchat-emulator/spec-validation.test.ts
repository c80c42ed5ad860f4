import { describe, expect, it } from 'vitest';
import { sharedSpecValidator } from './spec-validation.js';

describe('Rocket.Chat spec validation', () => {
  const spec = sharedSpecValidator();

  it('accepts a well-formed chat.sendMessage and finds the operations the bot uses', () => {
    const body = { message: { _id: 'abcdefghijkmnopqr', rid: 'room', msg: 'hi', tmid: 'root' } };
    expect(
      spec.checkRequest('POST', '/api/v1/chat.sendMessage', new URLSearchParams(), body),
    ).toBeUndefined();
    for (const [method, path] of [
      ['POST', '/api/v1/login'],
      ['GET', '/api/v1/me'],
      ['GET', '/api/v1/rooms.get'],
      ['POST', '/api/v1/chat.update'],
      ['GET', '/api/v1/chat.syncMessages'],
      ['POST', '/api/v1/rooms.media/ROOM'],
      ['POST', '/api/v1/rooms.mediaConfirm/ROOM/FILE'],
    ] as const) {
      expect(spec.knows(method, path), `${method} ${path}`).toBe(true);
    }
  });

  it('names what is wrong in a request the spec does not allow', () => {
    const violation = spec.checkRequest('POST', '/api/v1/chat.update', new URLSearchParams(), {
      roomId: 'x',
    });
    expect(violation?.operation).toBe('POST /api/v1/chat.update');
    expect(violation?.problems.join('; ')).toMatch(/msgId/);
    const sync = spec.checkRequest('GET', '/api/v1/chat.syncMessages', new URLSearchParams(), undefined);
    expect(sync?.problems.join('; ')).toMatch(/roomId/);
  });
});
