/**
 * The request envelope: how a Switchboard host passes an incoming webhook's headers along
 * with its body, since HandleExternalRequest carries only bytes. The host sends
 *
 *   {"envelope": "switchboard.http-request.v1",
 *    "headers": {"x-hub-signature-256": "sha256=…", …},   // names in lower case
 *    "body": "<the raw body, decoded as UTF-8>"}
 *
 * to sources whose metadata payload schema has `$id` {@link envelopeSchemaId}. Other hosts
 * (Botkube) send the raw body, which this plugin accepts too, but then cannot check signatures.
 */
export const envelopeMarker = 'switchboard.http-request.v1';

/** `$id` of the payload schema that asks a Switchboard host for the envelope. */
export const envelopeSchemaId = 'https://switchboard.dev/schemas/http-request-envelope/v1.json';

/** JSON Schema of the envelope, published as the source's `externalRequestPayloadSchema`. */
export const envelopeSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: envelopeSchemaId,
  title: 'Incoming webhook request',
  description: 'The request as a Switchboard host passes it: lower-case header names and the raw body.',
  type: 'object',
  required: ['envelope', 'headers', 'body'],
  properties: {
    envelope: { const: envelopeMarker },
    headers: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    },
    body: { type: 'string', description: 'The raw request body, as UTF-8 text.' },
  },
} as const;

/** A request as the plugin sees it. */
export interface IncomingRequest {
  /** Lower-case header names; empty when the host sent the bare body. */
  headers: Record<string, string>;
  /** The exact body bytes the sender signed. */
  body: Uint8Array;
  /** Whether the host sent the envelope (headers are known). */
  enveloped: boolean;
}

/** Unwraps an envelope, or takes the payload as the bare body when it is not one. */
export function readRequest(payload: Uint8Array): IncomingRequest {
  const envelope = parseEnvelope(payload);
  if (!envelope) return { headers: {}, body: payload, enveloped: false };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(envelope.headers)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { headers, body: new TextEncoder().encode(envelope.body), enveloped: true };
}

function parseEnvelope(payload: Uint8Array): { headers: Record<string, unknown>; body: string } | undefined {
  // Cheap test first: only a payload that starts like an envelope is parsed twice.
  const text = new TextDecoder().decode(payload);
  if (!text.includes(envelopeMarker)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.envelope !== envelopeMarker || typeof v.body !== 'string') return undefined;
  if (typeof v.headers !== 'object' || v.headers === null) return undefined;
  return { headers: v.headers as Record<string, unknown>, body: v.body };
}
