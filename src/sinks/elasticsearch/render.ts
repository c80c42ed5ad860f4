import type { SinkEvent } from '../sink-event.js';

/** Switchboard's facts about the event, kept apart from the source's own fields. */
export interface EventMeta {
  /** Also the document `_id`, so a retried bulk item overwrites instead of duplicating. */
  id: string;
  sources: string[];
  /** The event's message as plain text. */
  text: string;
  cluster?: string;
}

/**
 * The indexed document. Botkube indexed the raw object as it was, so its fields stay at
 * the top level (dashboards built on Botkube's indices keep working); a raw value that is
 * not an object goes under `data`. `@timestamp` (the time field Kibana picks by default)
 * is added unless the object has one, and Switchboard's metadata goes under `switchboard`.
 */
export type EventDocument = Record<string, unknown> & { '@timestamp': string; switchboard: EventMeta };

/** Builds the document for one event; pure. */
export function renderDocument(event: SinkEvent, ctx: { clusterName?: string }): EventDocument {
  const raw = event.data;
  const fields: Record<string, unknown> =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? { ...(raw as Record<string, unknown>) }
      : raw === null || raw === undefined
        ? {}
        : { data: raw };
  const ownTimestamp = fields['@timestamp'];
  return {
    ...fields,
    '@timestamp': typeof ownTimestamp === 'string' ? ownTimestamp : event.time.toISOString(),
    switchboard: {
      id: event.id,
      sources: event.sources,
      text: event.text,
      ...(ctx.clusterName ? { cluster: ctx.clusterName } : {}),
    },
  };
}

/** `<prefix>-YYYY.MM.DD` for the UTC day of `time`. */
export function datedIndexName(prefix: string, time: Date): string {
  const yyyy = String(time.getUTCFullYear()).padStart(4, '0');
  const mm = String(time.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(time.getUTCDate()).padStart(2, '0');
  return `${prefix}-${yyyy}.${mm}.${dd}`;
}
