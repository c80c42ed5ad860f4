/**
 * The Elasticsearch sink's config slice (`communications.<group>.elasticsearch`): Botkube's
 * schema, plus what Botkube lacked: `apiKey`, `timeout` and `bulk`.
 */
import { z } from 'zod';
import {
  duration,
  flag,
  integer,
  keyedBy,
  requireWhenEnabled,
  SinkBindings,
  secret,
  text,
} from '../../platforms/slice-kit.js';

const forbiddenIndexChars = /[\\/*?"<>|\s,#:]/;

/**
 * Why `name` cannot prefix an Elasticsearch index (lowercase only, none of `\ / * ? " < > |`,
 * space, `,`, `#`, `:`; not starting with `-`, `_` or `+`; at most 255 bytes once the
 * `-YYYY.MM.DD` suffix is added), or undefined when it can.
 */
export function indexNameProblem(name: string): string | undefined {
  if (name === '') return 'must not be empty';
  if (name !== name.toLowerCase()) return 'must be lowercase';
  if (forbiddenIndexChars.test(name)) {
    return 'must not contain \\ / * ? " < > | , # : or whitespace';
  }
  if (/^[-_+]/.test(name)) return 'must not start with -, _ or +';
  if (Buffer.byteLength(name) + '-YYYY.MM.DD'.length > 255) return 'is too long (at most 244 bytes)';
  return undefined;
}

/** Why `server` cannot be an Elasticsearch URL, or undefined when it can. */
export function serverUrlProblem(server: string): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return 'is not a URL; expected e.g. https://es.example.com:9200';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `has scheme "${url.protocol.slice(0, -1)}"; expected http or https`;
  }
  return undefined;
}

export const ElasticsearchIndex = z
  .strictObject({
    name: text.meta({
      description: 'Index name prefix; documents go to `<name>-YYYY.MM.DD` (UTC date of the event).',
    }),
    type: text
      .prefault('')
      .meta({ description: 'Document type (Botkube); ignored, Elasticsearch 8 has no types.' }),
    shards: integer({ min: 1 }).prefault(1).meta({ description: 'Shards of a newly created index.' }),
    replicas: integer({ min: 0 }).prefault(0).meta({ description: 'Replicas of a newly created index.' }),
    bindings: SinkBindings,
  })
  .superRefine((index, ctx) => {
    const problem = indexNameProblem(index.name);
    if (problem) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: `index name "${index.name}" ${problem}`,
        params: { code: 'invalid' },
      });
    }
  });
export type ElasticsearchIndex = z.infer<typeof ElasticsearchIndex>;

/** Botkube's logrus levels, plus pino's names. */
const esLogLevels = ['', 'trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'panic'] as const;

export const ElasticsearchBulk = z
  .strictObject({
    maxDocuments: integer({ min: 1, max: 10_000 })
      .prefault(500)
      .meta({ description: 'Most documents in one bulk request.' }),
    maxBytes: integer({ min: 1024, max: 100 * 1024 * 1024 })
      .prefault(5 * 1024 * 1024)
      .meta({ description: 'Most bytes of NDJSON in one bulk request (a larger document goes alone).' }),
    flushInterval: duration({ min: 1 }).prefault('1s').meta({
      description:
        'Longest a document waits for a batch while another bulk request is in flight. When the sink is idle a batch is sent at once.',
    }),
  })
  .prefault({})
  .meta({ description: 'Batching of documents into bulk requests (Switchboard).' });
export type ElasticsearchBulk = z.infer<typeof ElasticsearchBulk>;

export const ElasticsearchSink = z
  .strictObject({
    enabled: flag.prefault(false).meta({ description: 'Index events in Elasticsearch.' }),
    server: text.prefault('').meta({ description: 'Server URL, e.g. `https://es.example.com:9243`.' }),
    username: text.prefault('').meta({ description: 'Basic auth user.' }),
    password: secret.prefault('').meta({ description: 'Basic auth password.' }),
    apiKey: secret.prefault('').meta({
      description: 'API key (Switchboard), sent as `Authorization: ApiKey <key>`; instead of username.',
    }),
    skipTLSVerify: flag
      .prefault(false)
      .meta({ description: 'Accept any server certificate (self-signed clusters).' }),
    awsSigning: z
      .strictObject({
        enabled: flag.prefault(false).meta({
          description:
            'Sign requests with AWS SigV4 (Amazon OpenSearch). Not supported: a sink with it enabled does not start.',
        }),
        awsRegion: text.prefault('us-east-1').meta({ description: 'AWS region of the domain.' }),
        roleArn: text
          .prefault('')
          .meta({ description: 'IAM role to assume; empty uses the default credentials.' }),
      })
      .prefault({}),
    logLevel: text
      .transform((level) => level.toLowerCase())
      .pipe(
        z.enum(esLogLevels, {
          error: `expected one of ${esLogLevels.filter((l) => l !== '').join(', ')} (or empty)`,
        }),
      )
      .prefault('')
      .meta({
        description:
          'Level of the sink’s own log lines (each bulk request at `debug`); empty for the agent level.',
      }),
    timeout: duration({ min: 100 })
      .prefault('30s')
      .meta({ description: 'Longest one request (bulk, index creation) may take; then it is retried.' }),
    bulk: ElasticsearchBulk,
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
    if (es.server !== '') {
      const problem = serverUrlProblem(es.server);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: ['server'],
          message: `server ${problem}`,
          params: { code: 'invalid' },
        });
      }
    }
    if (es.username !== '' && !es.apiKey.isEmpty()) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiKey'],
        message: 'set either apiKey or username/password, not both',
        params: { code: 'invalid' },
      });
    }
    if (es.enabled && Object.keys(es.indices).length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['indices'],
        message: 'at least one index is required when the sink is enabled',
        params: { code: 'missing' },
      });
    }
  })
  .meta({ description: 'Elasticsearch sink: one document per event, written with bulk requests.' });
export type ElasticsearchSink = z.infer<typeof ElasticsearchSink>;
