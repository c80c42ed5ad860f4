import type { Config } from '../config/schema.js';
import type { WebhookAuth } from '../http/webhook-auth.js';
import type { SourceCallContext } from '../plugins/host/source-client.js';

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
