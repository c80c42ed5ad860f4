import type { EventConstraints, EventTypeName, KubernetesConfig, RegexConstraints } from './config.js';
import { anyAllowed, hasAllPairs, hasEntries, isAllowed } from './regex-constraints.js';
import { parseResourceType, type ResourceType } from './resource-type.js';

/** The event types that route anything. */
export type RoutedType = 'create' | 'update' | 'delete' | 'error';

/**
 * The effective constraints of one configured resource, after Botkube's override rules:
 * a resource's namespaces, labels, annotations and event types replace the global ones when
 * they have entries; its reason/message block replaces the global one when either is set.
 */
export interface Route {
  type: ResourceType;
  eventTypes: ReadonlySet<RoutedType>;
  name?: RegexConstraints;
  namespaces?: RegexConstraints;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  reason?: RegexConstraints;
  message?: RegexConstraints;
  includeDiff: boolean;
  fields: readonly string[];
  /** Added for recommendations only: its creates are sent only when they carry recommendations. */
  recommendationsOnly: boolean;
}

/** What an event is checked against: the reported object's identity, metadata and (for errors) reason and messages. */
export interface MatchSubject {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  reason: string;
  messages: readonly string[];
}

function expandTypes(types: readonly EventTypeName[] | undefined): Set<RoutedType> {
  const out = new Set<RoutedType>();
  for (const t of types ?? []) {
    if (t === 'all') for (const each of ['create', 'update', 'delete', 'error'] as const) out.add(each);
    else if (t === 'create' || t === 'update' || t === 'delete' || t === 'error') out.add(t);
  }
  return out;
}

const nonEmpty = <T extends object>(value: T | undefined): value is T =>
  !!value && Object.keys(value).length > 0;

/** The routes of a config, one per configured resource, plus implicit ones for recommendations. */
export function buildRoutes(config: KubernetesConfig): Route[] {
  const routes: Route[] = (config.resources ?? []).map((resource) => {
    const own: EventConstraints = resource.event ?? {};
    const ownBlock = hasEntries(own.reason) || hasEntries(own.message);
    return {
      type: parseResourceType(resource.type),
      eventTypes: expandTypes((own.types ?? []).length > 0 ? own.types : config.event?.types),
      ...(resource.name ? { name: resource.name } : {}),
      ...pick('namespaces', hasEntries(resource.namespaces) ? resource.namespaces : config.namespaces),
      ...pick('labels', nonEmpty(resource.labels) ? resource.labels : config.labels),
      ...pick('annotations', nonEmpty(resource.annotations) ? resource.annotations : config.annotations),
      ...pick('reason', ownBlock ? own.reason : config.event?.reason),
      ...pick('message', ownBlock ? own.message : config.event?.message),
      includeDiff: resource.updateSetting?.includeDiff ?? false,
      fields: resource.updateSetting?.fields ?? [],
      recommendationsOnly: false,
    };
  });
  // Recommendations need creates of pods/ingresses. Unlike Botkube, a route the group already
  // has for those creates is kept as it is (Botkube replaces it and loses its constraints).
  const pod = config.recommendations?.pod;
  const ingress = config.recommendations?.ingress;
  const implicit: string[] = [];
  if (pod?.labelsSet || pod?.noLatestImageTag) implicit.push('v1/pods');
  if (ingress?.backendServiceValid || ingress?.tlsSecretValid)
    implicit.push('networking.k8s.io/v1/ingresses');
  for (const key of implicit) {
    if (routes.some((r) => r.type.key === key && r.eventTypes.has('create'))) continue;
    routes.push({
      type: parseResourceType(key),
      eventTypes: new Set(['create']),
      ...pick('namespaces', config.namespaces),
      includeDiff: false,
      fields: [],
      recommendationsOnly: true,
    });
  }
  return routes;
}

function pick<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Botkube's check order: reason, message, name, namespace, annotations, labels. */
export function routeMatches(route: Route, subject: MatchSubject): boolean {
  return (
    isAllowed(route.reason, subject.reason) &&
    (!hasEntries(route.message) || anyAllowed(route.message, subject.messages)) &&
    isAllowed(route.name, subject.name) &&
    isAllowed(route.namespaces, subject.namespace) &&
    hasAllPairs(route.annotations, subject.annotations) &&
    hasAllPairs(route.labels, subject.labels)
  );
}
