import { redactedText } from '../core/secret.js';

/**
 * Returns a function that replaces every occurrence of the given secret strings (longest
 * first, so a URL goes before its path) with `[redacted]`. Sinks pass every text that may
 * reach a log line or an error through it: receivers echo URLs in their error pages, and
 * undici errors may quote the request.
 */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const needles = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const needle of needles) out = out.split(needle).join(redactedText);
    return out;
  };
}

/**
 * The parts of a URL that may carry a credential, as they could appear in text: the whole
 * URL, its path and query (webhook tokens live there), the password, each in raw and
 * percent-decoded form.
 */
export function urlSecrets(url: URL): string[] {
  const out = [url.href, url.href.replace(/\/$/, '')];
  const pathAndQuery = `${url.pathname}${url.search}`;
  if (pathAndQuery !== '/') out.push(pathAndQuery, safeDecode(pathAndQuery));
  if (url.search !== '') out.push(url.search.slice(1));
  if (url.password !== '') out.push(url.password, safeDecode(url.password));
  return out;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
