import type { ApiResource } from './discovery.js';
import type { KubeObject, ObjectChange } from './kube-object.js';
import type { RoutedType } from './routes.js';

/** Botkube's level names; each has its emoji in the message header. */
export type EventLevel = 'info' | 'success' | 'warn' | 'error';

/**
 * One event, with Botkube's `event.Event` JSON keys: the raw object sinks receive and action
 * templates see as `.Event`. Like Botkube, the Kubernetes object itself is left out (stable
 * Elasticsearch mappings).
 */
export interface KubeEvent {
  APIVersion: string;
  Kind: string;
  Title: string;
  Name: string;
  Namespace: string;
  Messages: string[];
  Type: RoutedType;
  Reason: string;
  Level: EventLevel;
  Cluster: string;
  /** RFC 3339. */
  TimeStamp: string;
  Count: number;
  Action: string;
  /** The resource type string, e.g. `apps/v1/deployments`. */
  Resource: string;
  Recommendations: string[];
  Warnings: string[];
}

const levels: Record<RoutedType, EventLevel> = {
  create: 'success',
  update: 'info',
  delete: 'error',
  error: 'error',
};
const titles: Record<RoutedType, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  error: 'error',
};

/**
 * The event for a create, update or delete. Times come from the object (creation, deletion)
 * or from the shared `observedAt`, never from the stream's own clock, so every stream that
 * reports one change builds the same event (the agent's dedup relies on that).
 */
export function objectEvent(
  type: 'create' | 'update' | 'delete',
  change: ObjectChange,
  resource: { key: string; apiVersion: string; info: ApiResource },
  cluster: string,
): KubeEvent {
  const { metadata } = change.object;
  const stamp =
    type === 'create'
      ? (metadata.creationTimestamp ?? change.observedAt.toISOString())
      : type === 'delete'
        ? (metadata.deletionTimestamp ?? change.observedAt.toISOString())
        : change.observedAt.toISOString();
  return {
    APIVersion: change.object.apiVersion ?? resource.apiVersion,
    Kind: change.object.kind ?? resource.info.kind,
    Title: `${resource.key} ${titles[type]}`,
    Name: metadata.name,
    Namespace: metadata.namespace ?? '',
    Messages: [],
    Type: type,
    Reason: '',
    Level: levels[type],
    Cluster: cluster,
    TimeStamp: normaliseTime(stamp),
    Count: 0,
    Action: '',
    Resource: resource.key,
    Recommendations: [],
    Warnings: [],
  };
}

/** The fields of a core/v1 Event the source reads. */
export interface CoreEvent extends KubeObject {
  type?: string;
  reason?: string;
  message?: string;
  action?: string;
  count?: number;
  series?: { count?: number; lastObservedTime?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
  involvedObject?: { apiVersion?: string; kind?: string; name?: string; namespace?: string };
}

/** How many times a core/v1 Event has happened (`count`, else `series.count`, else 1). */
export function occurrences(event: CoreEvent): number {
  return event.count ?? event.series?.count ?? 1;
}

/** The error event for a Warning core/v1 Event about an object of type `resourceKey`. */
export function warningEvent(
  event: CoreEvent,
  resourceKey: string,
  cluster: string,
  observedAt: Date,
): KubeEvent {
  const involved = event.involvedObject ?? {};
  const stamp =
    event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ?? observedAt.toISOString();
  return {
    APIVersion: involved.apiVersion ?? '',
    Kind: involved.kind ?? '',
    Title: `${resourceKey} error`,
    Name: involved.name ?? '',
    Namespace: involved.namespace ?? '',
    Messages: event.message ? [event.message] : [],
    Type: 'error',
    Reason: event.reason ?? '',
    Level: 'error',
    Cluster: cluster,
    TimeStamp: normaliseTime(stamp),
    Count: occurrences(event),
    Action: event.action ?? '',
    Resource: resourceKey,
    Recommendations: [],
    Warnings: [],
  };
}

/** RFC 3339 with Kubernetes' second precision kept as the API server wrote it; unparsable input passes through. */
function normaliseTime(stamp: string): string {
  return Number.isNaN(Date.parse(stamp)) ? stamp : new Date(stamp).toISOString().replace('.000Z', 'Z');
}
