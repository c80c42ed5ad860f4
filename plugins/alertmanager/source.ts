/**
 * The alertmanager source: renders Alertmanager webhook notifications posted to the source's
 * incoming URL (point a `webhook_configs` receiver at it). See README.md.
 */
import { serveSource } from '../../src/sdk/index.js';
import { readSourceConfig, sourceConfigSchema } from './config.js';
import { notificationSchema, parseNotificationBody } from './payload.js';
import { renderNotification } from './render-notification.js';

await serveSource({
  metadata: {
    version: '1.0.0',
    description: 'Renders Prometheus Alertmanager notifications, with buttons to silence them.',
    jsonSchema: sourceConfigSchema,
    externalRequestPayloadSchema: notificationSchema,
  },
  handleExternalRequest(input) {
    const config = readSourceConfig(input.config());
    const notification = parseNotificationBody(input.payload);
    return {
      message: renderNotification(notification, config),
      // The payload as Alertmanager sent it: sinks and actions see every field.
      rawObject: input.json(),
      analyticsLabels: { status: notification.status },
    };
  },
});
