import { beforeAll, describe, expect, it } from 'vitest';
import { IdFactory } from './ids.js';
import { conversationObject, messageObject, userObject } from './payloads.js';
import { SpecValidator } from './spec-validation.js';
import { WorkspaceStore } from './store.js';

let spec: SpecValidator;
let store: WorkspaceStore;
beforeAll(() => {
  spec = new SpecValidator();
  store = new WorkspaceStore(new IdFactory());
});

describe('SpecValidator: Web API responses', () => {
  it("accepts the emulator's objects and rejects missing, mistyped and unknown properties", () => {
    const channel = store.addChannel('ops');
    const good = { ok: true, channel: conversationObject(store, channel) };
    expect(spec.checkResponse('conversations.info', good)).toEqual([]);
    // The conversation schema is closed: only possible because `items: [..]` alternatives are read as anyOf.
    const extra = { ok: true, channel: { ...conversationObject(store, channel), colour: 'red' } };
    expect(spec.checkResponse('conversations.info', extra).join('\n')).toContain(
      'must NOT have additional properties (colour)',
    );
    const message = store.addMessage({
      ts: '1700000000.000100',
      channel: channel.id,
      user: store.botUserId,
      botId: store.botId,
      text: 'hi',
    });
    const posted = { ok: true, channel: channel.id, ts: message.ts, message: messageObject(store, message) };
    expect(spec.checkResponse('chat.postMessage', posted)).toEqual([]);
    expect(spec.checkResponse('chat.postMessage', { ...posted, ts: '17.1' })).toEqual([
      '/ts must match pattern "^\\d{10}\\.\\d{6}$"',
    ]);
    expect(spec.checkResponse('chat.postMessage', { ok: true, channel: channel.id, ts: message.ts })).toEqual(
      ["/ must have required property 'message'"],
    );
    const user = store.addUser('alice');
    expect(spec.checkResponse('users.info', { ok: true, user: userObject(store, user) })).toEqual([]);
    const bot = store.user(store.botUserId);
    expect(bot && spec.checkResponse('users.info', { ok: true, user: userObject(store, bot) })).toEqual([]);
    const dm = store.openIm(user.id);
    expect(
      spec.checkResponse('conversations.info', { ok: true, channel: conversationObject(store, dm) }),
    ).toEqual([]);
    expect(
      spec.checkResponse('users.info', { ok: true, user: { ...userObject(store, user), profile: {} } })
        .length,
    ).toBeGreaterThan(0);
  });

  it("checks error codes against the method's enum plus documented newer codes", () => {
    expect(spec.checkResponse('chat.postMessage', { ok: false, error: 'channel_not_found' })).toEqual([]);
    expect(spec.checkResponse('chat.postMessage', { ok: false, error: 'ratelimited' })).toEqual([]);
    const invalidBlocks = {
      ok: false,
      error: 'invalid_blocks',
      errors: ['no more than 50 items allowed [json-pointer:/blocks]'],
      response_metadata: { messages: ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]'] },
    };
    expect(spec.checkResponse('chat.postMessage', invalidBlocks)).toEqual([]);
    expect(spec.checkResponse('chat.postMessage', { ok: false, error: 'made_up_error' })[0]).toMatch(
      /^\/error must be equal to one of the allowed values/,
    );
    expect(spec.checkResponse('auth.test', { ok: false, error: 'invalid_auth', stray: 1 })).toEqual([
      '/ must NOT have additional properties (stray)',
    ]);
  });

  it('covers only methods the spec describes', () => {
    expect(spec.covers('chat.postMessage')).toBe(true);
    expect(spec.covers('apps.connections.open')).toBe(false);
    expect(spec.covers('files.completeUploadExternal')).toBe(false);
    expect(spec.checkResponse('apps.connections.open', { anything: true })).toEqual([]);
  });
});

describe('SpecValidator: Web API requests', () => {
  it('requires the token and required parameters, coercing form strings to declared types', () => {
    expect(spec.checkRequest('chat.postMessage', {}, false)).toEqual([
      '/token is required',
      "/ must have required property 'channel'",
    ]);
    expect(spec.checkRequest('chat.postMessage', { channel: 'C1', text: 'x', team_id: 'T1' }, true)).toEqual(
      [],
    );
    expect(spec.checkRequest('conversations.list', { limit: '10', exclude_archived: 'true' }, true)).toEqual(
      [],
    );
    expect(spec.checkRequest('conversations.list', { limit: 'ten' }, true)).toEqual([
      '/limit must be integer',
    ]);
  });

  it("checks JSON-encoded blocks against the spec's block definition", () => {
    expect(
      spec.checkRequest('chat.postMessage', { channel: 'C1', blocks: [{ type: 'divider' }] }, true),
    ).toEqual([]);
    expect(
      spec.checkRequest('chat.postMessage', { channel: 'C1', blocks: '[{"text":"no type"}]' }, true),
    ).toEqual(["/blocks/0 must have required property 'type'"]);
  });
});

describe('SpecValidator: events', () => {
  const wrapper = (event: Record<string, unknown>) => ({
    token: 'v',
    team_id: 'T0EMU00001',
    api_app_id: 'A0EMU00001',
    type: 'event_callback',
    event_id: 'Ev0EMU0001',
    event_time: 1_700_000_000,
    event,
  });

  it('checks the event_callback wrapper', () => {
    expect(spec.checkEvent(wrapper({ type: 'app_mention', event_ts: '1700000000.000100' }))).toEqual([]);
    expect(spec.checkEvent(wrapper({ type: 'app_mention' }))).toEqual([
      "/event must have required property 'event_ts'",
    ]);
    const { event_id: _, ...noId } = wrapper({ type: 'message', event_ts: '1' });
    expect(spec.checkEvent(noId)).toEqual(["/ must have required property 'event_id'"]);
  });

  it('checks message_deleted against the message topic schema', () => {
    const deleted = {
      type: 'message',
      subtype: 'message_deleted',
      hidden: true,
      channel: 'C1',
      ts: '1.2',
      event_ts: '1.2',
    };
    const problems = spec.checkEvent(wrapper(deleted));
    expect(problems).toContain("/event must have required property 'deleted_ts'");
  });
});
