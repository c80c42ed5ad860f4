import type { ClientOptions } from '@elastic/elasticsearch';
import { Secret } from '../../core/secret.js';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { LogLevel } from '../../log/logger.js';
import { type ElasticsearchSink, indexNameProblem, serverUrlProblem } from './config.js';

/** One configured index: where the events of its bound source groups go. */
export interface IndexTarget {
  alias: string;
  /** Name prefix; the date is appended per event. */
  name: string;
  shards: number;
  replicas: number;
  /** Source groups bound to this index. */
  sources: ReadonlySet<string>;
}

/** What an Elasticsearch sink is built from, checked once at creation. */
export interface EsTarget {
  client: ClientOptions;
  /** The server URL without credentials: safe to put in messages. */
  server: string;
  indices: IndexTarget[];
  bulk: { maxDocuments: number; maxBytes: number; flushIntervalMs: number };
  /** Level of the sink's logger; undefined keeps the agent's. */
  logLevel: LogLevel | undefined;
  /** Indices configured with a `type`, which Elasticsearch 8 no longer has. */
  typedIndices: string[];
}

const logLevels: Record<string, LogLevel | undefined> = {
  '': undefined,
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'fatal',
  panic: 'fatal',
};

/**
 * Reads the validated slice into client options and index targets. Throws
 * `SB_ERR_SINK_CONFIG` naming the field: bad server URL, bad index name, no index, or
 * `awsSigning.enabled` (SigV4 is not implemented, and the official client refuses the
 * OpenSearch servers it is for).
 */
export function esTarget(id: string, settings: ElasticsearchSink): EsTarget {
  const fail = (message: string) =>
    new SwitchboardError('SB_ERR_SINK_CONFIG', `elasticsearch sink ${id}: ${message}`);
  if (!(settings.password instanceof Secret)) {
    throw fail('settings are not a validated elasticsearch config (password)');
  }
  if (settings.awsSigning?.enabled) {
    throw fail(
      'awsSigning.enabled is not supported yet: AWS SigV4 signing is not implemented, and the Elasticsearch client this sink uses refuses Amazon OpenSearch servers. Disable it, or send events to OpenSearch through a webhook sink and an ingest endpoint.',
    );
  }
  const serverProblem = settings.server === '' ? 'is empty' : serverUrlProblem(settings.server);
  if (serverProblem) throw fail(`server ${serverProblem}`);
  const url = new URL(settings.server);

  const indices: IndexTarget[] = [];
  const typedIndices: string[] = [];
  for (const [alias, index] of Object.entries(settings.indices ?? {})) {
    const problem = indexNameProblem(index.name);
    if (problem) throw fail(`indices.${alias}.name "${index.name}" ${problem}`);
    if (index.type) typedIndices.push(alias);
    indices.push({
      alias,
      name: index.name,
      shards: index.shards,
      replicas: index.replicas,
      sources: new Set(index.bindings?.sources ?? []),
    });
  }
  if (indices.length === 0) throw fail('indices is empty; configure at least one index');

  const level = settings.logLevel ?? '';
  if (!(level in logLevels)) throw fail(`logLevel "${level}" is not a log level`);

  return {
    client: {
      node: withoutCredentials(url),
      ...clientAuth(url, settings, fail),
      // The delivery pipeline owns retries and backoff; the client must not retry behind its back.
      maxRetries: 0,
      requestTimeout: settings.timeout?.ms ?? 30_000,
      ...(settings.skipTLSVerify ? { tls: { rejectUnauthorized: false } } : {}),
    },
    server: withoutCredentials(url),
    indices,
    bulk: {
      maxDocuments: settings.bulk?.maxDocuments ?? 500,
      maxBytes: settings.bulk?.maxBytes ?? 5 * 1024 * 1024,
      flushIntervalMs: settings.bulk?.flushInterval?.ms ?? 1000,
    },
    logLevel: logLevels[level],
    typedIndices,
  };
}

function clientAuth(
  url: URL,
  settings: ElasticsearchSink,
  fail: (message: string) => SwitchboardError,
): Pick<ClientOptions, 'auth'> {
  const apiKey = settings.apiKey instanceof Secret ? settings.apiKey.reveal() : '';
  if (apiKey !== '') {
    if (settings.username !== '') throw fail('set either apiKey or username/password, not both');
    return { auth: { apiKey } };
  }
  // Credentials written into the URL work as Botkube's client took them, but never stay in it.
  const username = settings.username !== '' ? settings.username : decodeURIComponent(url.username);
  const password =
    settings.password.reveal() !== '' ? settings.password.reveal() : decodeURIComponent(url.password);
  if (username === '') {
    if (password !== '') throw fail('password is set but username is empty');
    return {};
  }
  return { auth: { username, password } };
}

function withoutCredentials(url: URL): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href.replace(/\/$/, '');
}
