import { Ajv, type ValidateFunction } from 'ajv';
import { durationPattern } from './duration.js';

/** The alertmanager source's config. */
export interface AlertmanagerSourceConfig {
  /** One "Silence <duration>" button per entry (default `["2h"]`); empty for none. */
  silenceDurations?: string[];
  /** Most alerts shown one by one in a message (default 10); the rest are counted. */
  maxAlerts?: number;
  /** Base of links to Alertmanager in messages, when its own externalURL is not reachable by users. */
  externalUrl?: string;
}

/** The alertmanager executor's config. */
export interface AlertmanagerExecutorConfig {
  /** Base URL of the Alertmanager API, e.g. `http://alertmanager:9093` (the API is under `/api/v2`). */
  url: string;
  /** Base of links shown in chat, when `url` is an internal address (default: `url`). */
  externalUrl?: string;
  basicAuth?: { username: string; password: string };
  bearerToken?: string;
  /** Time limit for each API call (default `10s`). */
  timeout?: string;
  /** Silence length when `--for` is not given (default `2h`). */
  defaultSilenceDuration?: string;
}

const duration = { type: 'string', pattern: durationPattern, minLength: 2 } as const;
const httpUrl = { type: 'string', pattern: '^https?://' } as const;

/** JSON Schema of {@link AlertmanagerSourceConfig}; `config.test.ts` proves they agree. */
export const sourceConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'alertmanager source',
  description: 'Renders Alertmanager webhook notifications.',
  type: 'object',
  additionalProperties: false,
  properties: {
    silenceDurations: {
      type: 'array',
      items: duration,
      default: ['2h'],
      description: 'One silence button each.',
    },
    maxAlerts: { type: 'integer', minimum: 1, default: 10, description: 'Alerts shown one by one.' },
    externalUrl: { ...httpUrl, description: 'Base of links to Alertmanager.' },
  },
} as const;

/** JSON Schema of {@link AlertmanagerExecutorConfig}; `config.test.ts` proves they agree. */
export const executorConfigSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'alertmanager executor',
  description: 'Lists alerts and manages silences through the Alertmanager API v2.',
  type: 'object',
  additionalProperties: false,
  required: ['url'],
  properties: {
    url: { ...httpUrl, description: 'Base URL of Alertmanager, e.g. http://alertmanager:9093.' },
    externalUrl: { ...httpUrl, description: 'Base of links shown in chat (default: url).' },
    basicAuth: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password'],
      properties: { username: { type: 'string' }, password: { type: 'string' } },
    },
    bearerToken: { type: 'string', minLength: 1 },
    timeout: { ...duration, default: '10s', description: 'Time limit per API call.' },
    defaultSilenceDuration: { ...duration, default: '2h', description: 'Silence length without --for.' },
  },
  // Two kinds of credentials at once is a mistake, not a choice.
  not: { required: ['basicAuth', 'bearerToken'] },
} as const;

// Compiled on first use, not at load: compiling the schemas took longer than everything else
// the plugin does before its handshake (docs/benchmarks.md, TypeScript plugin footprint).
let ajv: Ajv | undefined;
let compiledSource: ValidateFunction<AlertmanagerSourceConfig> | undefined;
let compiledExecutor: ValidateFunction<AlertmanagerExecutorConfig> | undefined;
const compiler = () => {
  ajv ??= new Ajv({ allErrors: true });
  return ajv;
};

function problems(errors: ValidateFunction['errors']): string {
  return (errors ?? [])
    .map((e) =>
      e.keyword === 'not'
        ? 'set basicAuth or bearerToken, not both'
        : `${e.instancePath || '/'} ${e.message}`,
    )
    .join('; ');
}

/** Checks the source config (Botkube hosts do not), saying what to fix. */
export function readSourceConfig(config: unknown): AlertmanagerSourceConfig {
  compiledSource ??= compiler().compile<AlertmanagerSourceConfig>(sourceConfigSchema);
  const validateSource = compiledSource;
  if (validateSource(config)) return config;
  throw new Error(`invalid alertmanager source config: ${problems(validateSource.errors)}`);
}

/** Checks the executor config (Botkube hosts do not), saying what to fix. */
export function readExecutorConfig(config: unknown): AlertmanagerExecutorConfig {
  compiledExecutor ??= compiler().compile<AlertmanagerExecutorConfig>(executorConfigSchema);
  const validateExecutor = compiledExecutor;
  if (validateExecutor(config)) return config;
  throw new Error(`invalid alertmanager executor config: ${problems(validateExecutor.errors)}`);
}
