/**
 * Alertmanager's webhook notification, payload version 4 (prometheus/alertmanager
 * `notify/webhook`, `template.Data`). Times are RFC 3339; Go's zero time means "not set".
 */
export interface Notification {
  version: string;
  groupKey: string;
  truncatedAlerts?: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: NotifiedAlert[];
}

export interface NotifiedAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

const labelMap = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** JSON Schema of {@link Notification}, published as the source's payload schema. */
export const notificationSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Alertmanager webhook notification (version 4)',
  type: 'object',
  required: ['status', 'alerts'],
  properties: {
    version: { type: 'string' },
    groupKey: { type: 'string' },
    truncatedAlerts: { type: 'integer' },
    status: { enum: ['firing', 'resolved'] },
    receiver: { type: 'string' },
    groupLabels: labelMap,
    commonLabels: labelMap,
    commonAnnotations: labelMap,
    externalURL: { type: 'string' },
    alerts: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status', 'labels'],
        properties: {
          status: { enum: ['firing', 'resolved'] },
          labels: labelMap,
          annotations: labelMap,
          startsAt: { type: 'string' },
          endsAt: { type: 'string' },
          generatorURL: { type: 'string' },
          fingerprint: { type: 'string' },
        },
      },
    },
  },
} as const;

/** A body that is not a notification; `code` 3 is gRPC INVALID_ARGUMENT, so hosts can answer 400. */
export class InvalidNotification extends Error {
  override readonly name = 'InvalidNotification';
  readonly code = 3;
}

/** Parses the raw webhook body; throws {@link InvalidNotification} when it is not JSON. */
export function parseNotificationBody(body: Uint8Array): Notification {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch (err) {
    throw new InvalidNotification(
      `not an Alertmanager webhook notification: the body is not JSON (${(err as Error).message})`,
    );
  }
  return readNotification(value);
}

/**
 * Reads a notification leniently: what Alertmanager always sends must be there (`status`,
 * `alerts` with labels); anything missing that it may leave out gets an empty default.
 * Throws with a message that says what was posted instead.
 */
export function readNotification(value: unknown): Notification {
  const fail = (why: string): never => {
    throw new InvalidNotification(`not an Alertmanager webhook notification (version 4): ${why}`);
  };
  if (!isRecord(value)) return fail('the body is not a JSON object');
  if (value.status !== 'firing' && value.status !== 'resolved')
    return fail('"status" must be firing or resolved');
  if (!Array.isArray(value.alerts)) return fail('"alerts" must be a list');
  const alerts = value.alerts.map((alert, i): NotifiedAlert => {
    if (!isRecord(alert) || !isRecord(alert.labels)) return fail(`alerts[${i}] has no labels`);
    return {
      status: alert.status === 'resolved' ? 'resolved' : 'firing',
      labels: strings(alert.labels),
      annotations: strings(alert.annotations),
      startsAt: string(alert.startsAt),
      endsAt: string(alert.endsAt),
      generatorURL: string(alert.generatorURL),
      fingerprint: string(alert.fingerprint),
    };
  });
  return {
    version: string(value.version),
    groupKey: string(value.groupKey),
    truncatedAlerts: typeof value.truncatedAlerts === 'number' ? value.truncatedAlerts : 0,
    status: value.status,
    receiver: string(value.receiver),
    groupLabels: strings(value.groupLabels),
    commonLabels: strings(value.commonLabels),
    commonAnnotations: strings(value.commonAnnotations),
    externalURL: string(value.externalURL),
    alerts,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function string(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [key, v] of Object.entries(value)) if (typeof v === 'string') out[key] = v;
  return out;
}
