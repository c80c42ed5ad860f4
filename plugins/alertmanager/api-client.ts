import type { AlertmanagerExecutorConfig } from './config.js';
import { parseDuration } from './duration.js';
import { formatMatcher, type Matcher } from './matchers.js';

/** An alert as `GET /api/v2/alerts` returns it. */
export interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  generatorURL?: string;
  status: { state: 'unprocessed' | 'active' | 'suppressed'; silencedBy: string[]; inhibitedBy: string[] };
}

/** A silence as `GET /api/v2/silences` returns it. */
export interface ApiSilence {
  id: string;
  matchers: Matcher[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
  status: { state: 'active' | 'pending' | 'expired' };
}

/** What a new silence needs. */
export interface NewSilence {
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

/** The Alertmanager API v2 calls the executor makes. */
export interface AlertmanagerApi {
  alerts(filter: Matcher[]): Promise<ApiAlert[]>;
  silences(filter: Matcher[]): Promise<ApiSilence[]>;
  createSilence(silence: NewSilence): Promise<string>;
  expireSilence(id: string): Promise<void>;
}

/** An API call that failed; the message is meant for chat (no credentials in it). */
export class AlertmanagerApiError extends Error {
  override readonly name = 'AlertmanagerApiError';
}

/**
 * A client for the Alertmanager API v2 at `config.url`, using global fetch. Every call has the
 * configured time limit and also stops when `signal` aborts (the chat command was cancelled).
 */
export function createAlertmanagerApi(
  config: AlertmanagerExecutorConfig,
  signal: AbortSignal,
): AlertmanagerApi {
  const base = new URL(config.url);
  // Credentials in the URL would end up in error messages and logs; they belong in basicAuth.
  const where = `${base.protocol}//${base.host}${base.pathname.replace(/\/+$/, '')}`;
  const timeoutMs = parseDuration(config.timeout ?? '10s');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (config.basicAuth) {
    const { username, password } = config.basicAuth;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  } else if (config.bearerToken) {
    headers.authorization = `Bearer ${config.bearerToken}`;
  } else if (base.username) {
    const user = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
  }

  async function call(
    method: string,
    path: string,
    query: [string, string][] = [],
    body?: unknown,
  ): Promise<unknown> {
    const url = new URL(`${where}/api/v2${path}`);
    for (const [key, value] of query) url.searchParams.append(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (err) {
      throw new AlertmanagerApiError(describeFailure(err, where, timeoutMs, signal));
    }
    const text = await response.text();
    if (!response.ok) throw new AlertmanagerApiError(describeStatus(response.status, text, where));
    return text === '' ? undefined : JSON.parse(text);
  }

  const filters = (matchers: Matcher[]): [string, string][] =>
    matchers.map((m) => ['filter', formatMatcher(m)]);
  return {
    alerts: async (filter) => (await call('GET', '/alerts', filters(filter))) as ApiAlert[],
    silences: async (filter) => (await call('GET', '/silences', filters(filter))) as ApiSilence[],
    createSilence: async (silence) => {
      const answer = (await call('POST', '/silences', [], {
        ...silence,
        startsAt: silence.startsAt.toISOString(),
        endsAt: silence.endsAt.toISOString(),
      })) as { silenceID: string };
      return answer.silenceID;
    },
    expireSilence: async (id) => {
      await call('DELETE', `/silence/${encodeURIComponent(id)}`);
    },
  };
}

function describeFailure(err: unknown, where: string, timeoutMs: number, signal: AbortSignal): string {
  if (signal.aborted) return 'Cancelled.';
  const e = err as { name?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') {
    return `Alertmanager at ${where} did not answer within ${timeoutMs / 1000}s (config: timeout).`;
  }
  const reason = e.cause?.code ?? e.cause?.message ?? String(err);
  return `Cannot reach Alertmanager at ${where} (${reason}); check url in the alertmanager executor config.`;
}

function describeStatus(status: number, body: string, where: string): string {
  if (status === 401 || status === 403) {
    return `Alertmanager at ${where} refused the credentials (HTTP ${status}); check basicAuth or bearerToken in the config.`;
  }
  // Alertmanager answers errors as a JSON string or {code, message}.
  let detail = body.trim();
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'string') detail = parsed;
    else if (typeof parsed === 'object' && parsed !== null && 'message' in parsed)
      detail = String(parsed.message);
  } catch {
    // Not JSON: keep the text.
  }
  return `Alertmanager answered HTTP ${status}: ${detail.slice(0, 300) || 'no details'}.`;
}
