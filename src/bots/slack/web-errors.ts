/**
 * Slack Web API failures, classified by what the caller does next: a delivery is retried
 * (rate limit, outage) or given up (unknown channel, bad token, message rejected); a start-up
 * failure names the setting to fix. Messages never carry a token.
 */
import { webApi } from '@slack/bolt';
import { DeliveryError, type DeliveryFailureReason } from '../../delivery/delivery-error.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';

const { ErrorCode } = webApi;

/** Slack error codes (`{ok:false, error}`) and the delivery outcome each one means. */
const platformReasons: Record<string, { reason: DeliveryFailureReason; retryable: boolean }> = {
  channel_not_found: { reason: 'unknown-channel', retryable: false },
  not_in_channel: { reason: 'unknown-channel', retryable: false },
  is_archived: { reason: 'unknown-channel', retryable: false },
  user_not_in_channel: { reason: 'rejected', retryable: false },
  invalid_auth: { reason: 'auth', retryable: false },
  not_authed: { reason: 'auth', retryable: false },
  account_inactive: { reason: 'auth', retryable: false },
  token_revoked: { reason: 'auth', retryable: false },
  token_expired: { reason: 'auth', retryable: false },
  missing_scope: { reason: 'auth', retryable: false },
  no_permission: { reason: 'auth', retryable: false },
  msg_too_long: { reason: 'too-large', retryable: false },
  msg_blocks_too_long: { reason: 'too-large', retryable: false },
  too_many_attachments: { reason: 'too-large', retryable: false },
  ratelimited: { reason: 'rate-limited', retryable: true },
  internal_error: { reason: 'unavailable', retryable: true },
  fatal_error: { reason: 'unavailable', retryable: true },
  service_unavailable: { reason: 'unavailable', retryable: true },
  request_timeout: { reason: 'timeout', retryable: true },
};

interface SlackErrorShape {
  code?: string;
  message?: string;
  retryAfter?: number;
  statusCode?: number;
  data?: { error?: string; response_metadata?: { retryAfter?: number; messages?: string[] } };
  original?: { name?: string; message?: string };
}

/** The Slack error code of a platform error (`channel_not_found`…), if it is one. */
export function slackErrorCode(err: unknown): string | undefined {
  const e = err as SlackErrorShape;
  return e?.code === ErrorCode.PlatformError ? e.data?.error : undefined;
}

/** A Web API failure while delivering, as a {@link DeliveryError} the pipeline acts on. */
export function deliveryErrorFrom(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err ?? {}) as SlackErrorShape;
  const fail = (reason: DeliveryFailureReason, retryable: boolean, detail: string, retryAfterMs?: number) =>
    new DeliveryError(`Slack ${what} failed: ${detail}`, {
      reason,
      retryable,
      cause: err,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  switch (e.code) {
    case ErrorCode.RateLimitedError:
      return fail(
        'rate-limited',
        true,
        `rate limited, retry after ${e.retryAfter} s`,
        (e.retryAfter ?? 1) * 1000,
      );
    case ErrorCode.PlatformError: {
      const code = e.data?.error ?? 'unknown_error';
      const known = platformReasons[code] ?? { reason: 'rejected' as const, retryable: false };
      const details = (e.data?.response_metadata?.messages ?? []).slice(0, 3).join('; ');
      const retryAfter = e.data?.response_metadata?.retryAfter;
      return fail(
        known.reason,
        known.retryable,
        `${code}${details ? ` (${details})` : ''}`,
        known.reason === 'rate-limited' ? (retryAfter ?? 1) * 1000 : undefined,
      );
    }
    case ErrorCode.HTTPError: {
      const status = e.statusCode ?? 0;
      if (status === 408 || status === 504) return fail('timeout', true, `HTTP ${status}`);
      return status >= 500
        ? fail('unavailable', true, `HTTP ${status}`)
        : fail('rejected', false, `HTTP ${status}`);
    }
    case ErrorCode.RequestError: {
      const name = e.original?.name ?? '';
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      return fail(
        timedOut ? 'timeout' : 'unavailable',
        true,
        e.original?.message ?? e.message ?? 'request failed',
      );
    }
    default: {
      // web-api's upload step fails with plain errors ("Failed to upload file"): worth another try.
      const message = e.message ?? String(err);
      return /upload/i.test(message) ? fail('unavailable', true, message) : fail('other', false, message);
    }
  }
}

/** Slack's codes that mean the token itself is wrong, revoked or of the wrong kind. */
const tokenErrors = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'user_removed_from_team',
  'team_disabled',
]);

/**
 * A start-up failure as a clear error: which token Slack refused (`setting`, e.g.
 * `communications.team-a.socketSlack.botToken`), or that the API could not be reached.
 */
export function startErrorFrom(
  err: unknown,
  options: { setting: string; step: string; apiUrl: string; hint: string },
): SwitchboardError {
  const code = slackErrorCode(err);
  if (code && tokenErrors.has(code)) {
    return new SwitchboardError(
      'SB_ERR_PLATFORM_AUTH',
      `Slack rejected ${options.setting} (${code}) during ${options.step}. ${options.hint}`,
      { cause: err, details: { slackError: code } },
    );
  }
  if (code === 'missing_scope') {
    const needed = (err as { data?: { needed?: string } }).data?.needed;
    return new SwitchboardError(
      'SB_ERR_PLATFORM_AUTH',
      `The Slack app lacks a scope for ${options.step}${needed ? ` (needs ${needed})` : ''}; add it under OAuth & Permissions and reinstall the app (docs/slack.md).`,
      { cause: err, details: { slackError: code } },
    );
  }
  if (code) {
    return new SwitchboardError('SB_ERR_PLATFORM_CONNECT', `Slack answered ${code} during ${options.step}.`, {
      cause: err,
      details: { slackError: code },
    });
  }
  const detail = (err as SlackErrorShape)?.original?.message ?? (err as Error)?.message ?? String(err);
  return new SwitchboardError(
    'SB_ERR_PLATFORM_CONNECT',
    `Could not reach Slack at ${redactUrl(options.apiUrl)} during ${options.step}: ${detail}`,
    { cause: err },
  );
}

/** A URL without credentials or query (query strings of socket URLs carry tickets). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}
