import type { PluginLogger, SourceEvent, StreamEvent } from '../../src/sdk/index.js';
import { parseButtonTemplate } from './button-template.js';
import type { ClusterHub, Subscription } from './cluster-hub.js';
import type { ReadConfig } from './config.js';
import type { ApiResource } from './discovery.js';
import { fieldsDiff } from './field-path.js';
import { type CoreEvent, type KubeEvent, objectEvent, occurrences, warningEvent } from './kube-event.js';
import type { KubeObject, ObjectChange } from './kube-object.js';
import { recommend } from './recommendations.js';
import { type PreparedButton, renderEvent } from './render.js';
import { parseResourceType, type ResourceType } from './resource-type.js';
import { buildRoutes, type MatchSubject, type Route, type RoutedType, routeMatches } from './routes.js';
import { runCommandOptions } from './run-command-options.js';
import { formatStreamCursor, parseStreamCursor } from './stream-cursor.js';
import { createRepeatCoalescer } from './warning-repeats.js';

export interface KubernetesStreamOptions {
  config: ReadConfig;
  hub: ClusterHub;
  interactive: boolean;
  clusterName: string;
  log: PluginLogger;
  /** Receives every event of the stream, in order, each with the stream's cursor after it. */
  emit(event: StreamEvent): void;
  /**
   * A cursor of an earlier run of this stream (see stream-cursor.ts): each collection it names
   * that this config watches starts at its resourceVersion, so the changes since are reported;
   * the others (another config's) are ignored.
   */
  resumeCursor?: string;
  /** How often a resource the server does not serve is looked up again (default 30 s). */
  rediscoverMs?: number;
}

/** A running stream; `ready` resolves when every served resource has been listed. */
export interface KubernetesStream {
  ready: Promise<void>;
  stop(): void;
}

const eventsType = parseResourceType('v1/events');
const disableAnnotation = 'botkube.io/disable';

/**
 * One source group's stream: subscribes to the hub's shared informers for the configured
 * resources (and to core/v1 Events when a route wants errors), turns each change into
 * Botkube's event (filters, routes, diffs, recommendations) and emits it rendered. Changes are
 * handled one at a time, in the order the informers saw them. A resource the server does not
 * serve (a missing CRD) is reported once, skipped, and looked up again every `rediscoverMs`.
 * Every event carries a cursor: per watched collection, the resourceVersion of the last change
 * handled, so a stream resumed from it reports exactly the changes after that event.
 */
export function startKubernetesStream(options: KubernetesStreamOptions): KubernetesStream {
  const { config: read, hub, log } = options;
  const { config } = read;
  const routes = buildRoutes(config);
  const buttons: PreparedButton[] = (config.extraButtons ?? [])
    .filter((b) => b.enabled)
    .map((b) => ({
      displayName: b.button.displayName,
      template: parseButtonTemplate(b.button.commandTpl),
      triggers: b.trigger.type ?? [],
    }));
  const subscriptions: Subscription[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let chain: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>) => {
    chain = chain
      .then(work)
      .catch((err: Error) => log.error('an event could not be processed', { error: err.message }));
  };
  const resumePoints = parseStreamCursor(options.resumeCursor, log);
  // Per collection, the resourceVersion up to which changes were handled; it advances when a
  // change is taken from the serial chain, so an event's cursor never skips a change before it.
  const handled = new Map<string, string>();
  const emit = (event: SourceEvent) =>
    options.emit(handled.size > 0 ? { ...event, cursor: formatStreamCursor(handled) } : event);
  const repeats = createRepeatCoalescer<SourceEvent>({
    intervalMs: read.warningRepeatIntervalMs,
    report: (e) => emit(e),
  });

  const wants = (route: Route, type: RoutedType) => route.eventTypes.has(type);
  const byType = new Map<string, Route[]>();
  for (const route of routes) byType.set(route.type.key, [...(byType.get(route.type.key) ?? []), route]);
  const annotationChecker = config.filters?.objectAnnotationChecker ?? true;
  const nodeChecker = config.filters?.nodeEventsChecker ?? true;

  const commandOptions = (info: ApiResource, name: string, namespace: string) =>
    runCommandOptions(
      { plural: info.name, name, namespace: info.namespaced ? namespace : '', apiVerbs: info.verbs },
      config.commands?.verbs,
    );

  const send = (event: KubeEvent, info: ApiResource | undefined) => {
    const message = renderEvent(event, {
      interactive: options.interactive,
      commandOptions: info ? commandOptions(info, event.Name, event.Namespace) : [],
      buttons,
    });
    return { message, rawObject: event } satisfies SourceEvent;
  };

  const onObjectChange = async (type: ResourceType, info: ApiResource, change: ObjectChange) => {
    const eventType: RoutedType = change.type === 'add' ? 'create' : change.type;
    const candidates = (byType.get(type.key) ?? []).filter((r) => wants(r, eventType));
    if (candidates.length === 0) return;
    const object = change.object;
    const kind = object.kind ?? info.kind;
    // Node create/update/delete carry no reason, so Botkube's node filter always skips them.
    if (nodeChecker && kind === 'Node') return;
    if (annotationChecker && object.metadata.annotations?.[disableAnnotation] === 'true') return;
    const subject: MatchSubject = {
      name: object.metadata.name,
      namespace: object.metadata.namespace ?? '',
      labels: object.metadata.labels ?? {},
      annotations: object.metadata.annotations ?? {},
      reason: '',
      messages: [],
    };
    let chosen: Route | undefined;
    let diffs: string[] = [];
    for (const route of candidates) {
      if (!routeMatches(route, subject)) continue;
      if (eventType === 'update') {
        diffs = route.fields.length > 0 ? fieldsDiff(change.old, object, route.fields) : [];
        const changed = route.fields.length > 0 ? diffs.length > 0 : realChange(change.old, object);
        if (!changed) continue;
      }
      chosen = route;
      break;
    }
    if (!chosen) return;
    const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    const event = objectEvent(eventType, change, { key: type.key, apiVersion, info }, options.clusterName);
    if (chosen.includeDiff) event.Messages.push(...diffs);
    if (eventType === 'create' && (kind === 'Pod' || kind === 'Ingress') && config.recommendations) {
      const found = await recommend({ ...object, kind }, config.recommendations, (k, ns, name) =>
        hub.getObject('v1', k, ns, name),
      );
      event.Recommendations.push(...found.recommendations);
      event.Warnings.push(...found.warnings);
      if (chosen.recommendationsOnly && found.recommendations.length + found.warnings.length === 0) return;
    }
    emit(send(event, info));
  };

  const onCoreEvent = async (change: ObjectChange) => {
    const core = change.object as CoreEvent;
    if (change.type === 'delete') {
      repeats.forget(core.metadata.uid ?? core.metadata.name);
      return;
    }
    if (core.type !== 'Warning') return;
    // An update that does not raise the count (a field Kubernetes rewrites) is not a repeat.
    if (change.type === 'update' && change.old && occurrences(core) <= occurrences(change.old as CoreEvent))
      return;
    const involved = core.involvedObject ?? {};
    if (!involved.apiVersion || !involved.kind || !involved.name) return;
    const plural = await hub.discovery.pluralOf(involved.apiVersion, involved.kind);
    if (!plural) return;
    const key = `${involved.apiVersion}/${plural}`;
    const candidates = (byType.get(key) ?? []).filter((r) => wants(r, 'error'));
    if (candidates.length === 0) return;
    const needsObject = annotationChecker || candidates.some((r) => r.labels || r.annotations);
    const target: KubeObject | undefined = needsObject
      ? await hub.getObject(involved.apiVersion, involved.kind, involved.namespace ?? '', involved.name)
      : undefined;
    const annotations = { ...core.metadata.annotations, ...target?.metadata.annotations };
    if (annotationChecker && annotations[disableAnnotation] === 'true') return;
    const subject: MatchSubject = {
      name: involved.name,
      namespace: involved.namespace ?? '',
      labels: { ...core.metadata.labels, ...target?.metadata.labels },
      annotations,
      reason: core.reason ?? '',
      messages: core.message ? [core.message] : [],
    };
    if (!candidates.some((r) => routeMatches(r, subject))) return;
    const event = warningEvent(core, key, options.clusterName, change.observedAt);
    const info = await hub.discovery.resource(parseResourceType(key)).catch(() => undefined);
    repeats.offer(core.metadata.uid ?? `${core.metadata.namespace}/${core.metadata.name}`, send(event, info));
  };

  const reportMissing = (type: ResourceType, reason: string) => {
    log.warn('resource not served; skipped', { resource: type.key, reason });
    const text = `${reason} The source skips it, keeps watching the other resources, and starts watching it once the API server serves it.`;
    emit({
      message: {
        baseBody: {},
        sections: [
          { header: `⚠️ ${type.key} is not available`, bulletLists: [{ title: 'Messages', items: [text] }] },
        ],
        ...(options.interactive ? {} : { type: 'nonInteractiveEventSingleSection' as const }),
      },
      rawObject: {
        Type: 'warning',
        Level: 'warn',
        Title: `${type.key} is not available`,
        Resource: type.key,
        Cluster: options.clusterName,
        Messages: [text],
      },
    });
  };

  const watchType = async (
    type: ResourceType,
    handler: (info: ApiResource, change: ObjectChange) => Promise<void>,
    settled: () => void,
  ) => {
    let reported = false;
    for (;;) {
      if (stopped) return;
      let info: ApiResource | undefined;
      let problem = '';
      try {
        info = await hub.discovery.resource(type);
        if (!info) problem = `The API server does not serve ${type.key} (is its CRD installed?).`;
        else if (!info.verbs.includes('list') || !info.verbs.includes('watch')) {
          problem = `${type.key} cannot be listed and watched (its verbs are ${info.verbs.join(', ') || 'none'}).`;
          info = undefined;
        }
      } catch (err) {
        problem = `Looking up ${type.key} failed: ${(err as Error).message}.`;
      }
      if (info && !stopped) {
        const found = info;
        if (reported) log.info('resource now served; watching it', { resource: type.key });
        const sub = hub.subscribe(
          type,
          (change) =>
            serially(() => {
              if (change.resourceVersion) handled.set(type.key, change.resourceVersion);
              return handler(found, change);
            }),
          resumePoints.get(type.key),
        );
        subscriptions.push(sub);
        // Read now when the informer already runs: later, changes of a chunk it is reading
        // could already be past this point but not yet handled.
        const startedAt = sub.resourceVersion();
        await sub.synced;
        const from = startedAt ?? sub.resourceVersion();
        if (from && !stopped) handled.set(type.key, from);
        settled();
        return;
      }
      if (!reported) reportMissing(type, problem);
      reported = true;
      settled();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, options.rediscoverMs ?? 30_000);
        timers.add(timer);
      });
    }
  };

  // `ready` means every served resource is listed and every missing one reported.
  const waits: Promise<void>[] = [];
  const start = (type: ResourceType, handler: (info: ApiResource, change: ObjectChange) => Promise<void>) =>
    waits.push(
      new Promise<void>((settled) => {
        watchType(type, handler, settled).catch((err: Error) => {
          log.error('watching failed', { resource: type.key, error: err.message });
          settled();
        });
      }),
    );
  const seen = new Set<string>();
  for (const route of routes) {
    if (
      seen.has(route.type.key) ||
      !['create', 'update', 'delete'].some((t) => wants(route, t as RoutedType))
    )
      continue;
    seen.add(route.type.key);
    start(route.type, (info, change) => onObjectChange(route.type, info, change));
  }
  if (routes.some((r) => wants(r, 'error'))) {
    seen.add(eventsType.key);
    start(eventsType, (_info, change) => onCoreEvent(change));
  }
  // Until a resumed collection is listed, events keep its old resume point in their cursors.
  for (const [key, version] of resumePoints) if (seen.has(key)) handled.set(key, version);
  const ignored = [...resumePoints.keys()].filter((key) => !seen.has(key));
  if (ignored.length > 0)
    log.info('resume cursor names resources this config does not watch; ignored', { resources: ignored });
  for (const warning of read.warnings) log.warn('config', { warning });
  const ready = Promise.all(waits).then(() => undefined);
  return {
    ready,
    stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      for (const sub of subscriptions.splice(0)) sub.unsubscribe();
      repeats.stop();
    },
  };
}

/** Whether two versions differ in more than the bookkeeping Kubernetes updates on every write. */
function realChange(old: KubeObject | undefined, next: KubeObject): boolean {
  if (!old) return true;
  const strip = ({ metadata, ...rest }: KubeObject) => {
    const { resourceVersion: _rv, managedFields: _mf, ...meta } = metadata;
    return JSON.stringify({ ...rest, metadata: meta });
  };
  return strip(old) !== strip(next);
}
