import type { FastifyInstance } from 'fastify';
import type { ConfigLocator } from '../config/locate.js';
import type { Config } from '../config/schema.js';
import { type ConfigWatcher, watchConfig } from '../config/watch.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import { listenHttp } from '../http/listen.js';
import { createHttpServer, type HttpHandlers, type HttpRoutes } from '../http/server.js';
import type { Logger } from '../log/logger.js';
import { type PortOverrides, planListeners } from './listeners.js';
import type { LiveConfig } from './live-config.js';
import type { PlatformRunner } from './platform-runner.js';
import type { PluginInstalls } from './plugin-installs.js';
import type { PluginProcesses } from './plugin-processes.js';
import type { Problem } from './problems.js';
import type { RetryBook } from './retry-book.js';
import { strictReport } from './start-failures.js';

/** Where the started agent listens. */
export interface AgentUrls {
  operationsUrl: string;
  metricsUrl: string;
  webhooksUrl?: string;
}

/**
 * Opens the agent's HTTP listeners (health, metrics, incoming webhooks). Each server is added to
 * `servers` before it listens, so stop closes it even when a later one fails to bind.
 */
export async function openListeners(options: {
  config: Config;
  ports: PortOverrides | undefined;
  handlers: HttpHandlers;
  logger: Logger;
  servers: FastifyInstance[];
}): Promise<AgentUrls> {
  const { config } = options;
  const urls: Partial<Record<HttpRoutes, string>> = {};
  for (const plan of planListeners(config, options.ports)) {
    const server = createHttpServer({
      handlers: options.handlers,
      logger: options.logger,
      routes: plan.routes,
      bodyLimit: config.plugins.incomingWebhook.bodyLimit,
    });
    options.servers.push(server);
    const url = await listenHttp(server, plan);
    for (const route of plan.routes) urls[route] = url;
  }
  const { health: operationsUrl = '', metrics: metricsUrl = '', webhooks: webhooksUrl } = urls;
  return { operationsUrl, metricsUrl, ...(webhooksUrl ? { webhooksUrl } : {}) };
}

/**
 * Installs and starts what the live config uses: plugins, then platforms, then source streams.
 * What cannot start is recorded for retries (and for `--strict`); nothing here throws for it.
 */
export async function startParts(parts: {
  live: LiveConfig;
  installed: PluginInstalls;
  plugins: PluginProcesses;
  runner: PlatformRunner;
  startStreams(): number;
  /** Delivers what a previous run left in the durable queue, once its destinations exist. */
  resumeDelivery(): void;
  locator: ConfigLocator | undefined;
}): Promise<void> {
  const { live, runner } = parts;
  live.setUsed(await parts.installed.prepare(live.config(), parts.locator));
  await parts.plugins.startMissing(live.used());
  runner.noteUnsupported(
    live.config(),
    live.topology().platforms.map((p) => p.id),
  );
  for (const instance of live.topology().platforms) await runner.start(instance);
  parts.resumeDelivery();
  parts.startStreams();
}

/**
 * For `start --strict` (or `settings.strictStart`): throws SB_ERR_START_STRICT listing every
 * repository, plugin and platform that did not start.
 */
export function assertStrictStart(
  retries: RetryBook,
  launchFailures: readonly string[],
  unsupported: ReadonlyMap<string, string>,
): void {
  const failures = strictReport(retries, launchFailures, unsupported);
  if (!failures) return;
  throw new SwitchboardError(
    'SB_ERR_START_STRICT',
    `strict start: not everything could start (without --strict or settings.strictStart the agent starts with what works and retries the rest):\n${failures}`,
  );
}

/**
 * Watches the config files: a valid change is reloaded, an invalid one is logged and the running
 * config stays. Edits are seen once the watcher's `ready` resolves.
 */
export function watchConfigFiles(options: {
  files: readonly string[];
  env: NodeJS.ProcessEnv | undefined;
  initial: Config;
  reload(next: Config, locator?: ConfigLocator): Promise<unknown>;
  log: Logger;
}): ConfigWatcher {
  return watchConfig({
    files: options.files,
    ...(options.env ? { env: options.env } : {}),
    initial: options.initial,
    onChange: async (next, _diff, _warnings, locator) => {
      await options.reload(next, locator);
    },
    onError: (err) =>
      options.log.error(
        { err: err.message },
        'configuration change rejected; the running configuration stays',
      ),
  });
}

/** The start's last log lines: ready, and what does not serve when the agent starts degraded. */
export function logReady(
  log: Logger,
  counts: { plugins: number; platforms: number; streams: number },
  problems: readonly Problem[],
): void {
  log.info(counts, 'agent ready');
  if (problems.length > 0) {
    log.warn(
      { problems: problems.map((p) => `${p.kind} ${p.id}: ${p.state}`) },
      'agent started degraded: see /status or `switchboard status`',
    );
  }
}
