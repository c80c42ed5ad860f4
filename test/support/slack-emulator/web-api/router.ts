/**
 * One Web API call from the wire to Slack's answer: injected delays and HTTP failures, body
 * decoding, token checks, injected Slack errors, the method itself, rate limiting (429 +
 * Retry-After), and spec checks of the request and response.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { EmulatorCore } from '../core.js';
import { parseRequest, requestToken } from '../request-body.js';
import { RateLimitedError, SlackApiError } from './api-error.js';
import type { MethodDefinition, TokenKind } from './method.js';
import { authMethods } from './methods-auth.js';
import { chatMethods } from './methods-chat.js';
import { conversationMethods } from './methods-conversations.js';
import { fileMethods } from './methods-files.js';
import { viewMethods } from './methods-views.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const methods: Record<string, MethodDefinition> = {
  ...authMethods,
  ...chatMethods,
  ...conversationMethods,
  ...fileMethods,
  ...viewMethods,
};

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** Takes the next injected fault for `method`, if any. */
export function takeFault<T>(faults: Map<string, T[]>, method: string): T | undefined {
  const queue = faults.get(method);
  const next = queue?.shift();
  if (queue && queue.length === 0) faults.delete(method);
  return next;
}

export async function answerApiCall(
  core: EmulatorCore,
  method: string,
  request: IncomingMessage,
  raw: Buffer,
): Promise<HttpAnswer> {
  core.stats.calls[method] = (core.stats.calls[method] ?? 0) + 1;
  if (core.faults.slowMs > 0) await delay(core.faults.slowMs);
  const injectedStatus = takeFault(core.faults.httpFailures, method);
  if (injectedStatus !== undefined) return httpFailure(core, injectedStatus);

  let status = 200;
  const headers: Record<string, string> = { ...JSON_TYPE };
  let body: Record<string, unknown>;
  let checkedArgs: { args: Record<string, unknown>; hasToken: boolean } | undefined;
  try {
    const parsed = await parseRequest(request, raw);
    const token = requestToken(request, parsed);
    checkedArgs = { args: parsed.args, hasToken: token !== undefined };
    const definition = methods[method];
    if (!definition) throw new SlackApiError('unknown_method', { req_method: method });
    const kind = tokenKind(core, token);
    if (kind !== definition.token) throw new SlackApiError('not_allowed_token_type');
    const injectedError = takeFault(core.faults.slackErrors, method);
    if (injectedError !== undefined) throw new SlackApiError(injectedError);
    body = { ok: true, ...(await definition.run({ core, args: parsed.args })) };
  } catch (error) {
    if (error instanceof RateLimitedError) {
      core.stats.rateLimited += 1;
      status = 429;
      headers['retry-after'] = String(core.retryAfterSeconds);
      body = { ok: false, error: 'ratelimited' };
    } else if (error instanceof SlackApiError) {
      body = { ok: false, error: error.code, ...error.extra };
    } else {
      throw error;
    }
  }
  if (core.validator?.covers(method)) {
    if (checkedArgs) {
      const problems = core.validator.checkRequest(method, checkedArgs.args, checkedArgs.hasToken);
      if (problems.length > 0) core.violations.push({ kind: 'request', subject: method, problems });
    }
    const problems = core.validator.checkResponse(method, body);
    if (problems.length > 0) core.violations.push({ kind: 'response', subject: method, problems });
  }
  return { status, headers, body: JSON.stringify(body) };
}

function tokenKind(core: EmulatorCore, token: string | undefined): TokenKind {
  if (token === undefined) throw new SlackApiError('not_authed');
  if (token === core.botToken) return 'bot';
  if (token === core.appToken) return 'app';
  throw new SlackApiError('invalid_auth');
}

/** An injected HTTP failure: 429 gets Slack's Retry-After and body (web-api aborts without the header). */
export function httpFailure(core: EmulatorCore, status: number): HttpAnswer {
  if (status === 429) {
    core.stats.rateLimited += 1;
    return {
      status,
      headers: { ...JSON_TYPE, 'retry-after': String(core.retryAfterSeconds) },
      body: JSON.stringify({ ok: false, error: 'ratelimited' }),
    };
  }
  return { status, headers: { 'content-type': 'text/plain' }, body: `emulated HTTP ${status}` };
}
