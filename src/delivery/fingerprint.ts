import { createHash } from 'node:crypto';
import type { Message } from '../contract/message.js';

/**
 * The identity of an event for duplicate suppression: a SHA-256 over the canonical JSON of its
 * message and raw object. Object keys are sorted, Dates become ISO strings, byte arrays hex, and
 * `undefined` members are left out, so two groups that watch the same thing produce the same key
 * whatever order their plugin wrote the fields in.
 */
export function eventFingerprint(message: Message, rawObject?: unknown): string {
  return createHash('sha256')
    .update(canonicalJson({ message, rawObject: rawObject ?? null }))
    .digest('hex');
}

/** JSON with sorted object keys; see {@link eventFingerprint} for the value mapping. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, new Set())) ?? 'null';
}

function canonical(value: unknown, seen: Set<object>): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  // A cycle cannot come from JSON, but a plugin-independent caller might pass one; never recurse forever.
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((v) => canonical(v, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = canonical((value as Record<string, unknown>)[key], seen);
      if (v !== undefined) out[key] = v;
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
