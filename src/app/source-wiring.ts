import { createWebhookIntake } from '../bridge/source/webhook-intake.js';
import type { Config } from '../config/schema.js';
import type { HttpHandlers } from '../http/server.js';
import type { WebhookAuth } from '../http/webhook-auth.js';
import { createSourceClient, type SourceCallContext } from '../plugins/host/source-client.js';
import type { LiveConfig } from './live-config.js';
import type { PluginProcesses } from './plugin-processes.js';

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
  dispatch(group: string, event: Uint8Array): void;
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
