import { goJsonStringify, type Message, parseJsonObject, readMessage, toGoJson } from './message.js';

/**
 * One event a source plugin emits (Botkube `source.Event`): `message` is what bots render,
 * `rawObject` is what sinks receive and what action templates see as `.Event`.
 */
export interface SourceEvent {
  message: Message;
  /** Any JSON-serialisable value (typically the Kubernetes object or webhook payload). */
  rawObject?: unknown;
  /** Labels for analytics; hosts may ignore them. */
  analyticsLabels?: Record<string, string>;
}

/**
 * UTF-8 JSON for the `source.Event` bytes of a Stream response or an incoming-webhook reply.
 * Botkube's Go struct has no JSON tags, so the keys are the capitalised field names
 * `Message`, `RawObject` and `AnalyticsLabels`; Go hosts would also accept other casings,
 * but these are safe with any host. Like Go, absent `RawObject`/`AnalyticsLabels` are
 * written as `null` and label keys are sorted (Go marshals maps in key order).
 */
export function encodeEvent(event: SourceEvent): Uint8Array {
  let labels: Record<string, string> | null = null;
  if (event.analyticsLabels) {
    labels = {};
    for (const key of Object.keys(event.analyticsLabels).sort()) {
      labels[key] = event.analyticsLabels[key] ?? '';
    }
  }
  const json = {
    Message: toGoJson(event.message),
    RawObject: event.rawObject ?? null,
    AnalyticsLabels: labels,
  };
  return new TextEncoder().encode(goJsonStringify(json));
}

/**
 * Reads a `source.Event` from JSON written by any plugin. Keys match case-insensitively
 * (`Message`, `message`, `MESSAGE`…; the last duplicate wins), as Go's decoder does, so Go
 * plugins and TypeScript plugins that write camelCase keys both work. Empty input (or only
 * whitespace, or `null`) yields an event with an empty message. The message is read with
 * {@link readMessage}'s lenient rules; a JSON `null` raw object counts as absent, and
 * non-string label values are converted with `String()` when they are scalars and
 * otherwise dropped. Throws `MessageFormatError` for other non-JSON or non-object input.
 */
export function parseEvent(input: Uint8Array | string): SourceEvent {
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input);
  if (text.trim() === '' || text.trim() === 'null') {
    return { message: { baseBody: {} } };
  }
  const json = parseJsonObject(text, 'source.Event');
  let message: unknown;
  let rawObject: unknown;
  let labels: unknown;
  for (const [key, value] of Object.entries(json)) {
    switch (key.toLowerCase()) {
      case 'message':
        message = value;
        break;
      case 'rawobject':
        rawObject = value;
        break;
      case 'analyticslabels':
        labels = value;
        break;
    }
  }
  const event: SourceEvent = { message: readMessage(message) };
  if (rawObject !== undefined && rawObject !== null) {
    event.rawObject = rawObject;
  }
  const analyticsLabels = readLabels(labels);
  if (analyticsLabels) {
    event.analyticsLabels = analyticsLabels;
  }
  return event;
}

function readLabels(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return undefined;
  }
  const labels: Record<string, string> = {};
  for (const [key, label] of Object.entries(value)) {
    if (typeof label === 'string' || typeof label === 'number' || typeof label === 'boolean') {
      labels[key] = String(label);
    }
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}
