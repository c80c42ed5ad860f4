import { describe, expect, it } from 'vitest';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './impersonation-headers.js';

describe('upstreamRequestHeaders', () => {
  it("replaces the plugin's credentials and identity claims with the agent's and the bound identity", () => {
    const out = upstreamRequestHeaders(
      {
        host: '127.0.0.1:1234',
        authorization: 'Bearer sbkp_plugin',
        'impersonate-user': 'admin',
        'impersonate-group': 'system:masters',
        'impersonate-uid': '0',
        'impersonate-extra-scopes': 'all',
        'x-remote-user': 'admin',
        'x-remote-group': 'system:masters',
        accept: 'application/json',
        'content-type': 'application/json',
        'content-length': '12',
        'user-agent': 'kubectl/v1.37.2',
      },
      { user: 'alice', groups: ['chat-viewers', 'oncall'] },
      'Bearer agent-token',
    );
    expect(out).toEqual({
      authorization: 'Bearer agent-token',
      'impersonate-user': 'alice',
      'impersonate-group': ['chat-viewers', 'oncall'],
      accept: 'application/json',
      'content-type': 'application/json',
      'content-length': '12',
      'user-agent': 'kubectl/v1.37.2',
    });
  });

  it('drops hop-by-hop headers and those the Connection header names', () => {
    const out = upstreamRequestHeaders(
      {
        connection: 'keep-alive, x-private-hop',
        'keep-alive': 'timeout=5',
        'x-private-hop': '1',
        'transfer-encoding': 'chunked',
        'proxy-authorization': 'Basic abc',
        te: 'trailers',
        upgrade: 'websocket',
        accept: '*/*',
      },
      { user: 'bob', groups: [] },
      undefined,
    );
    expect(out).toEqual({ accept: '*/*', 'impersonate-user': 'bob' });
  });
});

describe('downstreamResponseHeaders', () => {
  it('passes response headers through except hop-by-hop ones', () => {
    expect(
      downstreamResponseHeaders({
        'content-type': 'application/json',
        'audit-id': 'x',
        connection: 'close',
        'transfer-encoding': 'chunked',
      }),
    ).toEqual({ 'content-type': 'application/json', 'audit-id': 'x' });
  });
});
