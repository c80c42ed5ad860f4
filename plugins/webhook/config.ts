import { Ajv, type ValidateFunction } from 'ajv';
import { type ReadyTemplateName, readyTemplateNames } from './ready-templates.js';
import { parseTemplate } from './template.js';

/** How a payload becomes a message. Every text is a template (see template.ts); empty results are left out. */
export interface MessageTemplate {
  /** The header line. */
  title?: string;
  /** Plain text under the header. */
  text?: string;
  /** Key/value pairs; a pair whose value renders empty is left out. */
  fields?: { key: string; value: string }[];
  /** A bullet list with one item per element of a list in the payload. */
  list?: {
    title?: string;
    /** Path of the list in the payload, e.g. `.commits`. */
    items: string;
    /** Template for one item; `.` is the element, `$` the whole payload. */
    item: string;
    /** Most items shown (default 10); the rest are counted. */
    max?: number;
  };
  /** Preformatted text, e.g. `{{ . | json }}`. */
  codeBlock?: string;
  /** Link buttons; a link whose URL renders empty is left out. */
  links?: { name: string; url: string }[];
}

/** Checking that a request comes from the expected sender. Needs a Switchboard host (see README). */
export interface SignatureConfig {
  /** The shared secret set on the sender. */
  secret: string;
  /**
   * `hmac-sha256` (default): the header holds `sha256=<hex HMAC of the raw body>`, as GitHub,
   * Gitea and others send. `token`: the header holds the secret itself, as GitLab sends.
   */
  scheme?: 'hmac-sha256' | 'token';
  /** Header to read (default `x-hub-signature-256`, or `x-gitlab-token` for `token`). */
  header?: string;
}

/** The webhook source's config. */
export interface WebhookConfig {
  /** A ready template's name, or a template of your own (default `auto`: picked per request). */
  template?: ReadyTemplateName | MessageTemplate;
  signature?: SignatureConfig;
}

const textTemplate = { type: 'string', description: 'Template text: {{ .path }} and | functions.' } as const;

/** JSON Schema of {@link WebhookConfig}, published as `metadata.jsonSchema`; `config.test.ts` proves they agree. */
export const webhookConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'webhook',
  description: 'Turns JSON posted to the source URL into a message.',
  type: 'object',
  additionalProperties: false,
  properties: {
    template: {
      description: 'A ready template name or a template object.',
      default: 'auto',
      anyOf: [
        { type: 'string', enum: readyTemplateNames },
        {
          type: 'object',
          additionalProperties: false,
          properties: {
            title: textTemplate,
            text: textTemplate,
            fields: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['key', 'value'],
                properties: { key: textTemplate, value: textTemplate },
              },
            },
            list: {
              type: 'object',
              additionalProperties: false,
              required: ['items', 'item'],
              properties: {
                title: textTemplate,
                items: { type: 'string', description: 'Path of a list in the payload, e.g. .commits' },
                item: textTemplate,
                max: { type: 'integer', minimum: 1, default: 10 },
              },
            },
            codeBlock: textTemplate,
            links: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name', 'url'],
                properties: { name: textTemplate, url: textTemplate },
              },
            },
          },
        },
      ],
    },
    signature: {
      type: 'object',
      additionalProperties: false,
      required: ['secret'],
      properties: {
        secret: { type: 'string', minLength: 1, description: 'Shared secret set on the sender.' },
        scheme: { type: 'string', enum: ['hmac-sha256', 'token'], default: 'hmac-sha256' },
        header: { type: 'string', minLength: 1, description: 'Header holding the signature or token.' },
      },
    },
  },
} as const;

// Compiled on first use, not at load: compiling the schema took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let compiled: ValidateFunction<WebhookConfig> | undefined;
const validator = () => {
  compiled ??= new Ajv({ allErrors: true }).compile<WebhookConfig>(webhookConfigSchema);
  return compiled;
};

/** Checks a config against the schema and parses a custom template, so mistakes show before any request. */
export function readWebhookConfig(config: unknown): WebhookConfig {
  const validate = validator();
  if (!validate(config)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`invalid webhook config: ${problems.join('; ')}`);
  }
  const template = config.template;
  if (typeof template === 'object') {
    const texts: [string, string | undefined][] = [
      ['title', template.title],
      ['text', template.text],
      ['codeBlock', template.codeBlock],
      ['list.title', template.list?.title],
      ['list.item', template.list?.item],
      ...(template.fields ?? []).flatMap((f, i): [string, string][] => [
        [`fields[${i}].key`, f.key],
        [`fields[${i}].value`, f.value],
      ]),
      ...(template.links ?? []).flatMap((l, i): [string, string][] => [
        [`links[${i}].name`, l.name],
        [`links[${i}].url`, l.url],
      ]),
    ];
    for (const [where, text] of texts) {
      if (text === undefined) continue;
      try {
        parseTemplate(text);
      } catch (err) {
        throw new Error(`invalid webhook config: template.${where}: ${(err as Error).message}`);
      }
    }
  }
  return config;
}
