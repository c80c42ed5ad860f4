import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type MessageTemplate,
  readWebhookConfig,
  type SignatureConfig,
  type WebhookConfig,
  type webhookConfigSchema,
} from './config.js';
import { readyTemplateNames } from './ready-templates.js';

type Properties = (typeof webhookConfigSchema)['properties'];
type TemplateObjectSchema = Properties['template']['anyOf'][1];

describe('webhook config: the type and the JSON Schema agree', () => {
  it('names the same keys at each level', () => {
    expectTypeOf<keyof Properties>().toEqualTypeOf<keyof WebhookConfig>();
    expectTypeOf<keyof TemplateObjectSchema['properties']>().toEqualTypeOf<keyof MessageTemplate>();
    expectTypeOf<keyof Properties['signature']['properties']>().toEqualTypeOf<keyof SignatureConfig>();
    expectTypeOf<Properties['signature']['properties']['scheme']['enum'][number]>().toEqualTypeOf<
      NonNullable<SignatureConfig['scheme']>
    >();
    expectTypeOf<keyof TemplateObjectSchema['properties']['list']['properties']>().toEqualTypeOf<
      keyof NonNullable<MessageTemplate['list']>
    >();
  });

  it('accepts every config the type accepts', () => {
    const samples: WebhookConfig[] = [
      {},
      ...readyTemplateNames.map((template) => ({ template })),
      { template: 'github-push', signature: { secret: 's3cret' } },
      { signature: { secret: 'tok', scheme: 'token', header: 'x-gitlab-token' } },
      {
        template: {
          title: 'Deploy of {{ .service }}',
          text: '{{ .summary }}',
          fields: [{ key: 'Version', value: '{{ .version }}' }],
          list: { title: 'Hosts', items: '.hosts', item: '{{ .name }}', max: 5 },
          codeBlock: '{{ .log | truncate 500 }}',
          links: [{ name: 'Dashboard', url: '{{ .url }}' }],
        },
      },
    ];
    for (const sample of samples) expect(readWebhookConfig(sample)).toEqual(sample);
  });

  it('refuses what the type refuses, and templates that do not parse', () => {
    // @ts-expect-error not a ready template
    const unknownName: WebhookConfig = { template: 'bitbucket' };
    // @ts-expect-error the secret is required
    const noSecret: WebhookConfig = { signature: {} };
    expect(() => readWebhookConfig(unknownName)).toThrow(
      '/template must be equal to one of the allowed values',
    );
    expect(() => readWebhookConfig(noSecret)).toThrow("/signature must have required property 'secret'");
    expect(() =>
      readWebhookConfig({ template: { fields: [{ key: 'k', value: '{{ .a | shell }}' }] } }),
    ).toThrow('invalid webhook config: template.fields[0].value: unknown function "shell"');
  });
});
