import { Secret } from '../../core/secret.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import { urlSecrets } from '../scrub.js';
import type { WebhookSink } from './config.js';

/** Everything a webhook sink needs to POST, checked once at creation. */
export interface WebhookTarget {
  /** Scheme, host and port: one connection pool per origin. */
  origin: string;
  /** Path and query, sent as the request target. */
  path: string;
  /** Configured headers plus authorization, with lowercase names. */
  headers: Record<string, string>;
  timeoutMs: number;
  /** Strings that must never reach a log line or an error: URL parts, header values, credentials. */
  secrets: string[];
}

/** Bytes a header value may not contain (RFC 9110 §5.5): they would split the request. */
const badHeaderValue = /[\0\r\n]/;

/**
 * Reads the validated slice into a {@link WebhookTarget}. Throws `SB_ERR_SINK_CONFIG` naming
 * the field when the URL or a header cannot be used; the URL itself is never quoted.
 */
export function webhookTarget(id: string, settings: WebhookSink): WebhookTarget {
  const fail = (message: string) =>
    new SwitchboardError('SB_ERR_SINK_CONFIG', `webhook sink ${id}: ${message}`);
  if (!(settings.url instanceof Secret)) throw fail('settings are not a validated webhook config (url)');
  const rawUrl = settings.url.reveal();
  if (rawUrl.trim() === '') throw fail('url is empty; set the receiver URL');
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw fail('url is not a valid URL (its value is a secret and not shown); expected https://host/path');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw fail(`url has scheme "${url.protocol.slice(0, -1)}"; expected http or https`);
  }

  const secrets = [rawUrl, ...urlSecrets(url)];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    if (!(value instanceof Secret)) throw fail(`headers.${name} is not a validated secret`);
    const text = value.reveal();
    if (badHeaderValue.test(text)) throw fail(`headers.${name} contains a line break or NUL byte`);
    headers[name.toLowerCase()] = text;
    secrets.push(text);
  }

  const auth = settings.auth;
  if (auth?.type === 'bearer') {
    const token = auth.token.reveal();
    if (token === '' || badHeaderValue.test(token))
      throw fail('auth.token is empty or contains a line break');
    headers.authorization = `Bearer ${token}`;
    secrets.push(token);
  } else if (auth?.type === 'basic') {
    const password = auth.password.reveal();
    if (badHeaderValue.test(auth.username) || badHeaderValue.test(password)) {
      throw fail('auth.username or auth.password contains a line break');
    }
    headers.authorization = basic(auth.username, password);
    secrets.push(password);
  } else if (url.username !== '' || url.password !== '') {
    // undici does not send URL userinfo; turn it into the header the user meant.
    headers.authorization = basic(decodeURIComponent(url.username), decodeURIComponent(url.password));
  }
  if (headers.authorization) secrets.push(headers.authorization);

  const timeoutMs = settings.timeout?.ms ?? 10_000;
  return {
    origin: url.origin,
    path: `${url.pathname}${url.search}`,
    headers,
    timeoutMs,
    secrets,
  };
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
