/**
 * Deepest nesting of objects and arrays an incoming webhook body may have. Real payloads
 * (Alertmanager, GitHub, Argo CD) stay under 15 levels; far deeper ones only exhaust the stack
 * of whatever walks them recursively later (`JSON.stringify`, protobuf, plugins).
 */
export const maxJsonDepth = 128;

const openBrace = 0x7b;
const openBracket = 0x5b;
const closeBrace = 0x7d;
const closeBracket = 0x5d;
const quote = 0x22;
const backslash = 0x5c;

/**
 * True when the JSON text in `bytes` nests objects and arrays deeper than `max`. Scans the
 * bytes once without recursion, skipping string contents (escapes included), and stops at
 * the first level past `max`, so a hostile body costs no more than reading it. It checks
 * nesting only: whether the text is valid JSON is `JSON.parse`'s job.
 */
export function exceedsJsonDepth(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === backslash) i++;
      else if (byte === quote) inString = false;
    } else if (byte === quote) {
      inString = true;
    } else if (byte === openBrace || byte === openBracket) {
      depth++;
      if (depth > max) return true;
    } else if (byte === closeBrace || byte === closeBracket) {
      depth--;
    }
  }
  return false;
}
