/**
 * The webhook source: any JSON posted to the source's incoming URL becomes a message, through a
 * ready template (GitHub push and pull request, GitLab pipeline, generic) or your own, with
 * optional signature checks. See README.md, and envelope.ts for how headers arrive.
 */
import { type ExternalRequestInput, type SourceEvent, serveSource } from '../../src/sdk/index.js';
import {
  type MessageTemplate,
  readWebhookConfig,
  type WebhookConfig,
  webhookConfigSchema,
} from './config.js';
import { envelopeSchema, readRequest } from './envelope.js';
import { pickTemplate, readyTemplates } from './ready-templates.js';
import { renderPayload } from './render.js';
import { RequestRefused } from './request-refused.js';
import { verifySignature } from './signature.js';

function handle(input: ExternalRequestInput): SourceEvent {
  const config = readWebhookConfig(input.config());
  const request = readRequest(input.payload);
  if (config.signature) verifySignature(request, config.signature);
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder().decode(request.body));
  } catch (err) {
    throw new RequestRefused(`request refused: the body is not JSON (${(err as Error).message})`, 'invalid');
  }
  const { name, template } = chooseTemplate(config.template ?? 'auto', request.headers, payload);
  return {
    message: renderPayload(template, payload),
    rawObject: payload,
    analyticsLabels: { template: name },
  };
}

function chooseTemplate(
  choice: NonNullable<WebhookConfig['template']>,
  headers: Record<string, string>,
  payload: unknown,
): { name: string; template: MessageTemplate } {
  if (typeof choice === 'object') return { name: 'custom', template: choice };
  const name = choice === 'auto' ? pickTemplate(headers, payload) : choice;
  return { name, template: readyTemplates[name] };
}

await serveSource({
  metadata: {
    version: '1.0.0',
    description: 'Turns JSON posted to the source URL into a message (GitHub, GitLab or your own template).',
    jsonSchema: webhookConfigSchema,
    // Its $id asks a Switchboard host to pass headers along (see envelope.ts).
    externalRequestPayloadSchema: envelopeSchema,
  },
  handleExternalRequest: handle,
});
