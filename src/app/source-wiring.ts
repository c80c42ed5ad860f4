import type { EventOrigin } from '../bridge/source/event-dispatch.js';
import { createWebhookIntake } from '../bridge/source/webhook-intake.js';
import type { Config } from '../config/schema.js';
import type { Outbox } from '../delivery/outbox.js';
import type { HttpHandlers } from '../http/server.js';
import type { WebhookAuth } from '../http/webhook-auth.js';
import type { Logger } from '../log/logger.js';
import { createSourceClient, type SourceCallContext } from '../plugins/host/source-client.js';
import type { LiveConfig } from './live-config.js';
import type { PluginProcesses } from './plugin-processes.js';
import type { SourceCursorStore } from './source-cursors.js';

/**
 * What a source plugin is told about where its calls come from, as Botkube sends it. The
 * webhook base comes from the config the agent started with: the listener does not move on reload.
 */
export function sourceContextFor(
  incomingWebhookBaseUrl: string,
  clusterName: () => string,
): (group: string, interactive?: boolean) => SourceCallContext {
  const webhookBase = incomingWebhookBaseUrl.replace(/\/sources\/v1$/, '');
  return (group, interactive = false) => ({
    interactive,
    clusterName: clusterName(),
    sourceName: group,
    incomingWebhook: {
      baseUrl: webhookBase,
      fullUrlForSource: webhookBase ? `${webhookBase}/sources/v1/${group}` : '',
    },
  });
}

/** How callers of a source group's incoming webhook authenticate, with secrets revealed for checking. */
export function webhookAuthFor(config: Config, group: string): WebhookAuth {
  const auth = config.plugins.incomingWebhook.auth[group];
  if (!auth) return { type: 'none' };
  return auth.type === 'bearer'
    ? { type: 'bearer', token: auth.token.reveal() }
    : { type: 'hmac', secret: auth.secret.reveal(), header: auth.header };
}

/** The incoming-webhook handler over the live config and the running source plugins. */
export function webhookHandlerFor(parts: {
  live: LiveConfig;
  plugins: PluginProcesses;
  context(group: string): SourceCallContext;
  dispatch(group: string, event: Uint8Array, origin?: EventOrigin): void;
  /** The outbox's Outbox.persisted: webhooks are answered once their events are stored. */
  persisted?(): Promise<void>;
}): HttpHandlers['webhook'] {
  const { live, plugins } = parts;
  return createWebhookIntake({
    entries: (group) => live.topology().sourceGroupEntries(group),
    auth: (group) => webhookAuthFor(live.config(), group),
    sourceClient: (key) => {
      const supervisor = plugins.supervisor('source', key);
      return supervisor ? createSourceClient(supervisor) : undefined;
    },
    wantsEnvelope: (key) => plugins.wantsEnvelope(key),
    context: parts.context,
    dispatch: parts.dispatch,
    ...(parts.persisted ? { persisted: parts.persisted } : {}),
  });
}

/** The stream cursors as the stream set uses them (see StreamSetOptions.cursors). */
export interface CursorKeeper {
  /**
   * Reads the store (again: a replica that becomes leader calls it before opening streams); a
   * store that cannot be read is logged and streams open with what was known before.
   */
  load(): Promise<void>;
  resumeFrom(streamKey: string): string | undefined;
  delivered(streamKey: string, cursor: string): void;
}

/**
 * Stores each stream's cursors once their events are in the delivery queue. The order matters:
 * a cursor says "this event and every one before it was handled", so storing it before the
 * event is durable would let a crash in between resume past an event that was never queued,
 * losing it; stored after, the same crash reports that event again after the restart (at
 * least once, never lost). One durable-queue check is in flight per stream; cursors that
 * arrive meanwhile coalesce into the newest, checked next (a check covers every event
 * dispatched before it), so a fast stream costs one check per queue write, not one per event.
 */
export function cursorKeeper(parts: {
  store: SourceCursorStore;
  outbox: Outbox;
  logger: Logger;
}): CursorKeeper {
  const log = parts.logger.child({ component: 'source-bridge' });
  const known = new Map<string, string>();
  const streams = new Map<string, { checking: boolean; next?: string }>();
  const check = (streamKey: string, state: { checking: boolean; next?: string }) => {
    const cursor = state.next as string;
    state.next = undefined;
    state.checking = true;
    (parts.outbox.persisted?.() ?? Promise.resolve())
      .then(
        () => {
          known.set(streamKey, cursor);
          parts.store.set(streamKey, cursor);
        },
        (err: unknown) =>
          log.warn(
            { stream: streamKey, err: (err as Error).message },
            'an event was not stored in the delivery queue; its stream cursor is not advanced',
          ),
      )
      .finally(() => {
        state.checking = false;
        if (state.next !== undefined) check(streamKey, state);
      });
  };
  return {
    async load() {
      try {
        // The store wins: another replica may have streamed since (a new leader loads again).
        for (const [key, cursor] of await parts.store.load()) known.set(key, cursor);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'stored source cursors not read; streams start fresh');
      }
    },
    resumeFrom: (streamKey) => known.get(streamKey),
    delivered(streamKey, cursor) {
      let state = streams.get(streamKey);
      if (!state) {
        state = { checking: false };
        streams.set(streamKey, state);
      }
      state.next = cursor;
      if (!state.checking) check(streamKey, state);
    },
  };
}
