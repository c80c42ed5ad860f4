import type { PluginLogger } from '../../src/sdk/index.js';

/**
 * A kubernetes stream's cursor, as JSON: `{"v":1,"rv":{"<resource>":"<resourceVersion>"}}`,
 * per watched collection (`apps/v1/deployments`, `v1/events`) the resourceVersion up to which
 * the stream handled its changes (reported them, or filtered them out).
 */
interface CursorJson {
  v: 1;
  rv: Record<string, string>;
}

export function formatStreamCursor(versions: ReadonlyMap<string, string>): string {
  return JSON.stringify({ v: 1, rv: Object.fromEntries(versions) } satisfies CursorJson);
}

/**
 * The resume points of a cursor, by resource. A cursor that is not one of ours (another
 * plugin's, a future format) is logged and ignored: the stream starts fresh.
 */
export function parseStreamCursor(cursor: string | undefined, log: PluginLogger): Map<string, string> {
  if (!cursor) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(cursor);
  } catch {
    json = undefined;
  }
  const rv = (json as Partial<CursorJson> | undefined)?.rv;
  if (
    (json as Partial<CursorJson> | undefined)?.v !== 1 ||
    !rv ||
    typeof rv !== 'object' ||
    Object.values(rv).some((v) => typeof v !== 'string' || v === '')
  ) {
    log.warn('the resume cursor is not a kubernetes stream cursor; starting fresh', {
      cursor: cursor.slice(0, 200),
      expected: '{"v":1,"rv":{"<resource>":"<resourceVersion>"}}',
    });
    return new Map();
  }
  return new Map(Object.entries(rv));
}
