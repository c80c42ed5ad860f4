/**
 * The request envelope for sources that need an incoming webhook's headers
 * (signature checks, event-type headers): HandleExternalRequest carries only
 * bytes, so the agent wraps headers and body when the source's published payload
 * schema has this `$id`. Other sources get the bare body, as under Botkube.
 */
export const envelopeSchemaId = 'https://switchboard.dev/schemas/http-request-envelope/v1.json';
export const envelopeMarker = 'switchboard.http-request.v1';

/** Headers never forwarded: the agent's own credentials and connection details. */
const withheld = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

/** True when a payload JSON Schema (text) asks for the envelope. */
export function wantsEnvelope(payloadSchema: string | undefined): boolean {
  if (!payloadSchema) return false;
  try {
    return (JSON.parse(payloadSchema) as { $id?: unknown }).$id === envelopeSchemaId;
  } catch {
    return false;
  }
}

/** Wraps a request as `{"envelope", "headers" (lower-case names), "body" (raw UTF-8)}`. */
export function wrapInEnvelope(
  body: Buffer,
  headers: Record<string, string | string[] | undefined>,
): Uint8Array {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value !== undefined && !withheld.has(lower)) kept[lower] = value;
  }
  return new TextEncoder().encode(
    JSON.stringify({ envelope: envelopeMarker, headers: kept, body: body.toString('utf8') }),
  );
}
