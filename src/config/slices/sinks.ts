/**
 * One-way sinks: `webhook` and `elasticsearch` (Botkube's schemas; the webhook gains
 * `headers`, which Botkube lacked, kubeshop/botkube#518). They live in config/ until
 * src/sinks/<name>/ exist, then move there as config.ts.
 */
import { z } from 'zod';
import { flag, integer, keyedBy, requireWhenEnabled, SinkBindings, secret, text } from './common.js';

export const WebhookSink = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Post events to the URL.' }),
    url: secret.prefault('').meta({
      description: 'Where events are POSTed as JSON. Treated as a secret (such URLs often embed a token).',
    }),
    headers: z
      .record(z.string(), secret)
      .prefault({})
      .meta({ ...keyedBy('<header>'), description: 'Extra request headers (values are secrets).' }),
    bindings: SinkBindings,
  })
  .superRefine((webhook, ctx) => requireWhenEnabled(webhook, ctx, ['url']))
  .meta({ description: 'Outgoing webhook sink: every event of the bound sources as JSON.' });
export type WebhookSink = z.infer<typeof WebhookSink>;

export const ElasticsearchIndex = z.strictObject({
  name: text.meta({ description: 'Index name prefix; documents go to `<name>-YYYY-MM-DD`.' }),
  type: text.prefault('').meta({ description: 'Document type (ignored by Elasticsearch 7+).' }),
  shards: integer({ min: 1 }).prefault(1).meta({ description: 'Shards of a newly created index.' }),
  replicas: integer({ min: 0 }).prefault(0).meta({ description: 'Replicas of a newly created index.' }),
  bindings: SinkBindings,
});
export type ElasticsearchIndex = z.infer<typeof ElasticsearchIndex>;

export const ElasticsearchSink = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Index events in Elasticsearch.' }),
    server: text.prefault('').meta({ description: 'Server URL, e.g. `https://es.example.com:9243`.' }),
    username: text.prefault('').meta({ description: 'Basic auth user.' }),
    password: secret.prefault('').meta({ description: 'Basic auth password.' }),
    skipTLSVerify: flag
      .prefault(false)
      .meta({ description: 'Accept any server certificate (self-signed clusters).' }),
    awsSigning: z
      .strictObject({
        enabled: flag
          .prefault(false)
          .meta({ description: 'Sign requests with AWS SigV4 (Amazon OpenSearch).' }),
        awsRegion: text.prefault('us-east-1').meta({ description: 'AWS region of the domain.' }),
        roleArn: text
          .prefault('')
          .meta({ description: 'IAM role to assume; empty uses the default credentials.' }),
      })
      .prefault({}),
    logLevel: text
      .prefault('')
      .meta({ description: 'Client log level (Botkube); empty for the agent level.' }),
    indices: z
      .record(z.string(), ElasticsearchIndex)
      .prefault({})
      .meta({
        ...keyedBy('<index>'),
        description: 'Indices to write, keyed by an alias. At least one when enabled.',
      }),
  })
  .superRefine((es, ctx) => {
    requireWhenEnabled(es, ctx, ['server']);
    if (es.enabled && Object.keys(es.indices).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['indices'],
        message: 'at least one index is required when the sink is enabled',
        params: { code: 'missing' },
      });
    }
  })
  .meta({ description: 'Elasticsearch sink: one document per event.' });
export type ElasticsearchSink = z.infer<typeof ElasticsearchSink>;
