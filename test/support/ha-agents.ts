import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { freePort } from './agent-harness.js';
import { type CliAgentRun, startCliAgent } from './cli-agent-pipeline.js';
import { waitFor } from './test-logger.js';

/**
 * Several `switchboard start` replicas in HA mode, as an operator runs them: each its own
 * process, config file, state directory and webhook port, all on one NATS (queue, state,
 * forwarding) and one lease. Events come in through the webhook source of any replica (the
 * sender retries another on a non-200, as Alertmanager does) and leave through the webhook sink,
 * whose `X-Replica` header tells the receiver which replica posted.
 */

export interface HaElection {
  store: 'nats' | 'kubernetes';
  /** With the kubernetes store: the kubeconfig of this replica (a proxy's, for partitions). */
  kubeconfig?: string;
  lease: string;
}

/** One arrival at the receiver. */
export interface Arrival {
  event: number;
  replica: string;
  at: number;
  /** The sink's Idempotency-Key: the same for every delivery of one queued item. */
  key: string;
}

/** A webhook receiver recording which replica posted which event, and when (arrival of the request). */
export class ReplicaReceiver {
  readonly arrivals: Arrival[] = [];
  delayMs = 20;
  readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const at = Date.now();
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const n = /ev-(\d+)-/.exec(body)?.[1];
        if (n !== undefined)
          this.arrivals.push({
            event: Number(n),
            replica: String(req.headers['x-replica']),
            at,
            key: String(req.headers['idempotency-key']),
          });
        setTimeout(() => res.writeHead(200).end(), this.delayMs);
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  unique(): Set<number> {
    return new Set(this.arrivals.map((a) => a.event));
  }

  /** Copies per event, for those that arrived more than once. */
  repeats(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const a of this.arrivals) counts.set(a.event, (counts.get(a.event) ?? 0) + 1);
    return new Map([...counts].filter(([, c]) => c > 1));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export interface Replica {
  name: string;
  /** Its directory (config, state, cache, and `run-<n>.log` once {@link saveReplicaLogs} ran). */
  home: string;
  config: string;
  stateDir: string;
  hookPort: number;
  run?: CliAgentRun;
  /** Every run so far: its output, and when the test killed it (SIGKILL), if it did. */
  runs: { output(): string; killedAt?: number }[];
}

/** Writes the config of replica `name` into `dir/<name>`. */
export async function writeReplicaConfig(options: {
  dir: string;
  name: string;
  natsUrl: string;
  receiverUrl: string;
  repo: string;
  election: HaElection;
  /** Lease duration / renew deadline / retry period. */
  timings?: string;
  /** More platforms under `communications.default` (YAML, indented by four spaces). */
  platforms?: string;
  /** An `executors:` block (YAML, top level). */
  executors?: string;
  /** More source groups under `sources:` (YAML, indented by two spaces), bound to the sink too. */
  sources?: { yaml: string; groups: string[] };
  /** More repositories under `plugins.repositories` (YAML, indented by four spaces). */
  repositories?: string;
}): Promise<Replica> {
  const home = join(options.dir, options.name);
  await mkdir(home, { recursive: true });
  const hookPort = await freePort();
  const config = join(home, 'config.yaml');
  const { election } = options;
  const timings = options.timings ?? 'leaseDuration: 3s, renewDeadline: 2s, retryPeriod: 500ms';
  const store =
    election.store === 'nats'
      ? `store: nats, nats: {bucket: ${election.lease}}`
      : `store: kubernetes, kubernetes: {namespace: default, name: ${election.lease}}`;
  await writeFile(
    config,
    `
communications:
  default:
    webhook:
      enabled: true
      url: ${options.receiverUrl}
      headers: {X-Replica: ${options.name}}
      bindings: {sources: [${['alerts', ...(options.sources?.groups ?? [])].join(', ')}]}
${options.platforms ?? ''}
${options.executors ?? ''}
sources:
  alerts:
    sb/webhook: {enabled: true}
${options.sources?.yaml ?? ''}
settings:
  clusterName: ha
  healthPort: 0
  metricsPort: 0
  log: {level: info, formatter: json}
${election.kubeconfig ? `  kubeconfig: ${election.kubeconfig}\n` : ''}  delivery:
    groupWait: 0s
    sinkConcurrency: 4
    retry: {initialBackoff: 50ms, maxBackoff: 200ms}
    store:
      type: jetstream
      jetstream: {servers: ["${options.natsUrl}"]}
  ha:
    enabled: true
    identity: ${options.name}
    election: {${store}, ${timings}}
plugins:
  cacheDir: ${join(home, 'cache')}
  repositories:
    sb: {url: "file://${options.repo}/index.yaml"}
${options.repositories ?? ''}
  incomingWebhook: {enabled: true, port: ${hookPort}}
`,
  );
  return { name: options.name, home, config, stateDir: join(home, 'state'), hookPort, runs: [] };
}

/** Starts a replica's agent process (it is ready once it follows or leads). */
export async function startReplica(replica: Replica, children: ChildProcess[]): Promise<CliAgentRun> {
  const run = await startCliAgent(replica.config, replica.stateDir, children);
  replica.run = run;
  replica.runs.push({ output: run.output });
  await waitFor(() => /campaigning for leadership/.test(run.output()), 30_000, `${replica.name} to campaign`);
  return run;
}

export async function killReplica(replica: Replica, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const child = replica.run?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const last = replica.runs.at(-1);
  if (signal === 'SIGKILL' && last) last.killedAt = Date.now();
  child.kill(signal);
  await once(child, 'exit');
}

/** The replica that leads now, as its `/readyz` says (undefined while none does). */
export async function currentLeader(replicas: readonly Replica[]): Promise<Replica | undefined> {
  for (const r of replicas) {
    const run = r.run;
    if (!run || run.child.exitCode !== null || run.child.signalCode !== null) continue;
    try {
      const body = (await (await fetch(run.statusUrl.replace(/\/status$/, '/readyz'))).json()) as {
        role?: string;
      };
      if (body.role === 'leader') return r;
    } catch {
      // A replica that is going away.
    }
  }
  return undefined;
}

/** A term of one replica, from its log: elected → step-down (or kill). */
export interface ReplicaTerm {
  replica: string;
  start: number;
  end: number;
}

interface LogLine {
  /** ISO time (the agent's JSON logs), or epoch ms. */
  time?: string | number;
  msg?: string;
}

/**
 * Every term of a replica, read from the JSON logs of all its runs: from "elected leader" to
 * "following: … stopped" (logged once delivery, streams and platforms stopped; on a graceful stop
 * delivery drains for one retry period before it, the lease still held), or to the kill (or now)
 * when there is none.
 */
export function termsFromLogs(replica: Replica): ReplicaTerm[] {
  const terms: ReplicaTerm[] = [];
  for (const { output, killedAt } of replica.runs) {
    const text = output();
    let open: number | undefined;
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        continue;
      }
      const { msg } = parsed;
      const time = typeof parsed.time === 'string' ? Date.parse(parsed.time) : parsed.time;
      if (time === undefined || Number.isNaN(time) || msg === undefined) continue;
      if (msg.startsWith('elected leader')) open = time;
      else if (open !== undefined && msg.startsWith('following: ')) {
        terms.push({ replica: replica.name, start: open, end: time });
        open = undefined;
      }
    }
    if (open !== undefined)
      terms.push({ replica: replica.name, start: open, end: killedAt ?? Number.POSITIVE_INFINITY });
  }
  return terms;
}

/**
 * Sends events `ev-<n>-` at about `perSecond` over `lanes` concurrent senders (each sends its
 * next event once the last was accepted, as an Alertmanager integration does), each request to
 * the next replica in turn; a refusal or connection error is retried on the next replica after `retryMs` (as
 * Alertmanager retries), so an event counts as accepted once any replica answered 200.
 */
export class RetryingSender {
  readonly accepted = new Set<number>();
  /**
   * Events with an attempt that failed in a way that does not rule out storage (connection cut,
   * timeout, a 503 other than "no replica leads"): the retry can store it a second time.
   */
  readonly unanswered = new Set<number>();
  refusals = 0;
  #next = 0;
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(
    private readonly ports: () => number[],
    private readonly perSecond: number,
    private readonly lanes = 4,
    private readonly retryMs = 100,
  ) {}

  start(): void {
    this.#running = true;
    const gap = (1000 * this.lanes) / this.perSecond;
    const began = Date.now();
    for (let lane = 0; lane < this.lanes; lane++)
      this.#loops.push(
        (async () => {
          for (let k = 0; this.#running; k++) {
            await this.#deliver(lane + k * this.lanes);
            const wait = began + (k + 1) * gap - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          }
        })(),
      );
  }

  async #deliver(n: number): Promise<void> {
    for (;;) {
      const ports = this.ports();
      const port = ports[this.#next++ % Math.max(ports.length, 1)];
      if (port !== undefined) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/sources/v1/alerts`, {
            method: 'POST',
            // The same key on every try: a retry of a request whose answer was lost is folded
            // into the first copy by whichever replica leads (see webhook-intake idempotencyKey).
            headers: { 'content-type': 'application/json', 'idempotency-key': `ev-${n}` },
            body: JSON.stringify({ id: `ev-${n}-` }),
            signal: AbortSignal.timeout(20_000),
          });
          const body = await res.text();
          if (res.status === 200) {
            this.accepted.add(n);
            return;
          }
          // Refused before anything was stored: no leader, or the request was wrong. Any other
          // failure (the leader did not answer a forwarded request in time, the store was slow)
          // may come after the event was stored, so a retry can store it a second time.
          if (!/no replica leads right now/.test(body)) this.unanswered.add(n);
        } catch (err) {
          // Refused outright (a killed replica): certainly not stored. Cut or timed out: maybe.
          if (!/ECONNREFUSED/.test(String((err as Error & { cause?: Error }).cause?.message ?? err)))
            this.unanswered.add(n);
        }
      }
      this.refusals += 1;
      await new Promise((r) => setTimeout(r, this.retryMs));
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops);
  }
}

/**
 * Arrivals a replica posted outside its own terms (`graceMs` after a term's end for a request
 * already under way), and pairs of terms of different replicas that overlap.
 */
export function leadershipViolations(
  arrivals: readonly Arrival[],
  terms: readonly ReplicaTerm[],
  graceMs: number,
): { outside: Arrival[]; overlaps: [ReplicaTerm, ReplicaTerm][] } {
  const outside = arrivals.filter(
    (a) => !terms.some((t) => t.replica === a.replica && a.at >= t.start && a.at <= t.end + graceMs),
  );
  const overlaps: [ReplicaTerm, ReplicaTerm][] = [];
  for (const a of terms)
    for (const b of terms)
      if (a !== b && a.replica < b.replica && a.start < b.end && b.start < a.end) overlaps.push([a, b]);
  return { outside, overlaps };
}

/** Writes every run's output to `<home>/run-<n>.log`, for reading after a failure. */
export async function saveReplicaLogs(replicas: readonly Replica[]): Promise<void> {
  for (const r of replicas)
    for (const [i, run] of r.runs.entries()) await writeFile(join(r.home, `run-${i}.log`), run.output());
}

/**
 * The agent processes a test file (or bench) starts: `started` are the replicas whose logs are
 * saved, `children` every process, killed by `release` if still running.
 */
export class ReplicaProcesses {
  readonly children: ChildProcess[] = [];
  readonly started: Replica[] = [];

  /** Saves the logs of the replicas started so far and kills what still runs; ready for reuse. */
  async release(): Promise<void> {
    await saveReplicaLogs(this.started.splice(0)).catch(() => undefined);
    for (const child of this.children.splice(0))
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit').catch(() => undefined);
      }
  }
}
