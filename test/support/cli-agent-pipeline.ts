import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './agent-harness.js';
import { spawnCli } from './cli.js';
import { waitFor } from './test-logger.js';

/**
 * The delivery-queue tests' agent: `switchboard start` as a child process with the webhook source
 * plugin (source group `alerts`, fed over HTTP) bound to the webhook sink, so a queue's behaviour
 * across kills and restarts is seen from outside, as an operator would see it.
 */

export interface CliAgentRun {
  child: ChildProcess;
  statusUrl: string;
  /** Everything the agent wrote so far, stdout then stderr. */
  output(): string;
}

export interface PipelineSetup {
  config: string;
  stateDir: string;
  hookPort: number;
}

/**
 * Writes the config into a fresh directory. `delivery` holds extra lines of `settings.delivery`
 * (indented by four spaces), such as `sinkConcurrency` or a `store` block.
 */
export async function writePipelineConfig(options: {
  prefix: string;
  receiverUrl: string;
  repo: string;
  delivery: string;
}): Promise<PipelineSetup> {
  const dir = await mkdtemp(join(tmpdir(), options.prefix));
  const hookPort = await freePort();
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    `
communications:
  default:
    webhook:
      enabled: true
      url: ${options.receiverUrl}
      bindings: {sources: [alerts]}
sources:
  alerts:
    sb/webhook: {enabled: true}
settings:
  clusterName: durable
  healthPort: 0
  metricsPort: 0
  log: {level: info, formatter: json}
  delivery:
    groupWait: 0s
    retry: {initialBackoff: 50ms, maxBackoff: 200ms}
${options.delivery}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${options.repo}/index.yaml"}
  incomingWebhook: {enabled: true, port: ${hookPort}}
`,
  );
  return { config, stateDir: join(dir, 'state'), hookPort };
}

/** Starts the agent and waits for its status address; the child is added to `children`. */
export async function startCliAgent(
  config: string,
  stateDir: string,
  children: ChildProcess[],
): Promise<CliAgentRun> {
  const { child, stdout, stderr } = spawnCli(['start', '-c', config, '--state-dir', stateDir]);
  children.push(child);
  const statusUrl = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`start exited (${child.exitCode}): ${stderr()}`);
      return /Status: +(http:\/\/\S+)/.exec(stdout())?.[1];
    },
    90_000,
    'the agent to start',
  );
  return { child, statusUrl, output: () => `${stdout()}\n${stderr()}` };
}

/** The `deliveryStore` part of the agent's `/status`. */
export async function deliveryStoreStatus<T>(run: CliAgentRun): Promise<T> {
  return ((await (await fetch(run.statusUrl)).json()) as { deliveryStore: T }).deliveryStore;
}

/**
 * Posts events `from`..`to`-1 (`{id: "ev-<n>-", ...extra}`) to the webhook source, ten at a time;
 * each must be accepted (200).
 */
export async function postWebhookEvents(
  hookPort: number,
  from: number,
  to: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  for (let n = from; n < to; n += 10) {
    const batch = [];
    for (let i = n; i < Math.min(n + 10, to); i++)
      batch.push(
        fetch(`http://127.0.0.1:${hookPort}/sources/v1/alerts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `ev-${i}-`, ...extra }),
        }).then((r) => {
          if (r.status !== 200) throw new Error(`event ${i} answered ${r.status}`);
        }),
      );
    await Promise.all(batch);
  }
}
