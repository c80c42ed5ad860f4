import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type SourceEvent } from '../../src/contract/event.js';
import { type Message, parseMessage } from '../../src/contract/message.js';
import type { ExecutorClient } from '../../src/plugins/host/executor-client.js';
import type { SourceClient } from '../../src/plugins/host/source-client.js';
import { alertmanagerBin, freePort, startAlertmanager } from '../support/agent-harness.js';
import {
  builtinPlugin,
  executeCall,
  gohost,
  pluginLauncher,
  sourceContext,
} from '../support/builtin-plugins.js';
import { waitFor } from '../support/test-logger.js';

/*
 * The alertmanager plugins against the real Prometheus Alertmanager (and Prometheus) from Debian,
 * on loopback: Alertmanager's webhook receiver points at a relay in this test, which hands each
 * body to the source plugin's HandleExternalRequest through our host, as the agent will.
 */

const prometheusBin = '/usr/bin/prometheus';
const plugins = pluginLauncher();
const servers: { stop(): Promise<void> }[] = [];

let am: { url: string };
let relay: { url: string; events: SourceEvent[]; errors: string[]; bodies: string[] };
let source: SourceClient;
let executor: ExecutorClient;

beforeAll(async () => {
  for (const bin of [alertmanagerBin, prometheusBin]) {
    if (!existsSync(bin))
      throw new Error(`${bin} is missing: run .ci/install-deps.sh (prometheus-alertmanager, prometheus)`);
  }
  source = (await plugins.source('source/alertmanager')).client;
  executor = (await plugins.executor('executor/alertmanager')).client;
  relay = await startRelay(source);
  am = await startLocalAlertmanager(relay.url);
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await plugins.stopAll();
});

/** Renders a message's header lines, for matching. */
const headers = (m: Message) => (m.sections ?? []).map((s) => s.header ?? '');
const eventWith = (header: string) => () => relay.events.find((e) => headers(e.message).includes(header));

async function run(command: string): Promise<Message> {
  const config = `url: ${am.url}\n`;
  return parseMessage((await executor.execute(executeCall(command, [config]))).message);
}

async function postAlert(labels: Record<string, string>, extra: Record<string, unknown> = {}) {
  const response = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, ...extra }]),
  });
  expect(response.status).toBe(200);
}

describe('alertmanager source ← real Alertmanager', () => {
  it('renders an alert firing and then resolving', async () => {
    const labels = { alertname: 'SwitchboardDirect', severity: 'critical', instance: 'db1' };
    const annotations = {
      summary: 'Disk almost full',
      description: '95% used on /var',
      runbook_url: 'https://runbooks.example/disk',
    };
    const startsAt = new Date().toISOString();
    await postAlert(labels, {
      annotations,
      startsAt,
      generatorURL: 'http://prometheus.example/graph?g0.expr=up',
    });

    const firing = await waitFor(
      eventWith('[FIRING:1] SwitchboardDirect'),
      30_000,
      'the firing notification',
    );
    expect(firing.message.sections?.[0]?.buttons?.map((b) => b.command ?? b.url)).toEqual([
      '{{BotName}} alertmanager silence alertname="SwitchboardDirect" --for 2h',
      `${am.url}/#/alerts?silenced=false&inhibited=false&filter=${encodeURIComponent('{alertname="SwitchboardDirect"}')}`,
    ]);
    expect(firing.message.sections?.[1]).toMatchObject({
      header: 'Firing · SwitchboardDirect · critical',
      description: 'Disk almost full',
      body: { plaintext: '95% used on /var' },
      textFields: [{ key: 'instance', value: 'db1' }, { key: 'Started' }],
      buttons: [
        { name: 'Source', url: 'http://prometheus.example/graph?g0.expr=up' },
        { name: 'Runbook', url: 'https://runbooks.example/disk' },
      ],
    });
    expect(firing.rawObject).toMatchObject({ version: '4', status: 'firing', receiver: 'switchboard' });

    // Ending the alert makes Alertmanager send the resolved notification (send_resolved: true).
    await postAlert(labels, { annotations, startsAt, endsAt: new Date().toISOString() });
    const resolved = await waitFor(
      eventWith('[RESOLVED] SwitchboardDirect'),
      30_000,
      'the resolved notification',
    );
    expect(headers(resolved.message)).toContain('Resolved · SwitchboardDirect · critical');
    expect(relay.errors).toEqual([]);
  });
});

describe('alertmanager executor → real Alertmanager API v2', () => {
  it('lists alerts, silences one for the user, lists and expires the silence', async () => {
    await postAlert({ alertname: 'SwitchboardDisk', severity: 'warning', instance: 'web1' });
    const list = await waitFor(
      async () => {
        const m = await run('alertmanager alerts alertname="SwitchboardDisk"');
        return headers(m).includes('SwitchboardDisk · warning · active') ? m : undefined;
      },
      15_000,
      'the alert in the list',
    );
    expect(list.baseBody.plaintext).toBe('1 alert');

    const created = await run(
      'alertmanager silence alertname="SwitchboardDisk" instance=~"web.*" --for 2h --comment "disk swap"',
    );
    expect(created.baseBody.plaintext).toMatch(
      /^Ada silenced alertname="SwitchboardDisk" instance=~"web\.\*" for 2h, until /,
    );
    const id = created.sections?.[0]?.context?.[0]?.text.replace('Silence ', '') ?? '';

    // Alertmanager itself has the silence, made by the chat user.
    const silences = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as {
      id: string;
      createdBy: string;
      comment: string;
      status: { state: string };
      matchers: unknown[];
      startsAt: string;
      endsAt: string;
    }[];
    const silence = silences.find((s) => s.id === id);
    expect(silence).toMatchObject({
      createdBy: 'Ada',
      comment: 'disk swap',
      status: { state: 'active' },
      matchers: [
        { name: 'alertname', value: 'SwitchboardDisk', isRegex: false, isEqual: true },
        { name: 'instance', value: 'web.*', isRegex: true, isEqual: true },
      ],
    });
    const length = Date.parse(silence?.endsAt ?? '') - Date.parse(silence?.startsAt ?? '');
    expect(Math.abs(length - 2 * 3600_000)).toBeLessThan(60_000);

    await waitFor(
      async () => {
        const m = await run('alertmanager alerts alertname="SwitchboardDisk"');
        return headers(m).includes(`SwitchboardDisk · warning · silenced by ${id}`);
      },
      15_000,
      'the alert to show as silenced',
    );
    expect(headers(await run('alertmanager silences alertname="SwitchboardDisk"'))).toEqual([
      `${id} · active`,
    ]);

    expect((await run(`alertmanager expire ${id}`)).baseBody.plaintext).toBe(`Silence ${id} expired.`);
    const after = (await (await fetch(`${am.url}/api/v2/silences`)).json()) as {
      id: string;
      status: { state: string };
    }[];
    expect(after.find((s) => s.id === id)?.status.state).toBe('expired');
    expect((await run('alertmanager silences alertname="SwitchboardDisk"')).baseBody.plaintext).toContain(
      'No active or pending silences',
    );
  });

  it("answers Alertmanager's own errors, and an unreachable URL, as messages", async () => {
    expect(
      (await run('alertmanager expire 00000000-0000-0000-0000-000000000000')).baseBody.plaintext,
    ).toContain('Alertmanager answered HTTP 500: silence not found.');
    const closed = await freePort();
    const config = `url: http://127.0.0.1:${closed}\ntimeout: 2s\n`;
    const answer = parseMessage(
      (await executor.execute(executeCall('alertmanager alerts', [config]))).message,
    );
    expect(answer.baseBody.plaintext).toBe(
      `Cannot reach Alertmanager at http://127.0.0.1:${closed} (ECONNREFUSED); check url in the alertmanager executor config.`,
    );
  });
});

describe('alertmanager executor → an API that wants credentials', () => {
  it('sends basic auth or a bearer token, and explains a refusal', async () => {
    const seen: string[] = [];
    const api = createServer((req, res) => {
      seen.push(req.headers.authorization ?? '');
      const ok = req.headers.authorization === `Basic ${Buffer.from('ops:pa55').toString('base64')}`;
      res.statusCode = ok ? 200 : 401;
      res.end(ok ? '[]' : 'Unauthorized');
    });
    const url = await listen(api);
    const ask = async (auth: string) =>
      parseMessage(
        (await executor.execute(executeCall('alertmanager silences', [`url: ${url}\n${auth}`]))).message,
      ).baseBody.plaintext;
    expect(await ask('basicAuth: { username: ops, password: pa55 }\n')).toContain(
      'No active or pending silences',
    );
    expect(await ask('bearerToken: t0ken\n')).toBe(
      `Alertmanager at ${url} refused the credentials (HTTP 401); check basicAuth or bearerToken in the config.`,
    );
    expect(seen).toEqual([`Basic ${Buffer.from('ops:pa55').toString('base64')}`, 'Bearer t0ken']);
  });
});

describe('Prometheus → Alertmanager → alertmanager source (full chain)', () => {
  it('delivers a rule that always fires, and one that fires and then resolves', async () => {
    const metrics = await startMetrics();
    await startPrometheus({ alertmanager: am.url, metrics: metrics.url });

    const always = await waitFor(
      eventWith('[FIRING:1] AlwaysFiring'),
      60_000,
      'AlwaysFiring from Prometheus',
    );
    expect(always.message.sections?.[1]?.buttons?.[0]?.url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/graph\?g0\.expr=vector/,
    );
    await waitFor(eventWith('[FIRING:1] SwitchOn'), 60_000, 'SwitchOn firing');
    expect(headers(await run('alertmanager alerts alertname="AlwaysFiring"'))).toContain(
      'AlwaysFiring · info · active',
    );

    metrics.set(0);
    const resolved = await waitFor(eventWith('[RESOLVED] SwitchOn'), 60_000, 'SwitchOn resolving');
    expect(resolved.rawObject).toMatchObject({ status: 'resolved', commonLabels: { alertname: 'SwitchOn' } });
    expect(relay.errors).toEqual([]);
    // Prometheus is started inside the test and each step waits for scrapes, rule evaluations and
    // Alertmanager's grouping: the waits above allow 60 s each, more than the default test timeout.
  }, 120_000);
});

describe("alertmanager plugins under go-plugin's client (gohost)", () => {
  it('renders a notification and lists alerts from the real Alertmanager', async () => {
    await postAlert({ alertname: 'SwitchboardGohost', severity: 'info' });
    const notification = await waitFor(
      () => relay.bodies.find((b) => b.includes('SwitchboardGohost')),
      30_000,
      'a notification to replay',
    );
    const event = (await gohost([
      '-type',
      'source',
      builtinPlugin('source/alertmanager'),
      'webhook',
      notification as string,
    ])) as {
      Message: { sections: { header: string }[] };
    };
    expect(event.Message.sections[0]?.header).toMatch(/^\[(FIRING:\d+|RESOLVED)\] /);
    const answer = (await gohost([
      '-config',
      `url: ${am.url}\n`,
      builtinPlugin('executor/alertmanager'),
      'execute',
      'alertmanager alerts',
    ])) as {
      message: { baseBody: { plaintext: string } };
    };
    expect(answer.message.baseBody.plaintext).toMatch(/^\d+ alerts?$/);
  });
});

// ——— real servers on loopback ———

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ stop: () => new Promise((resolve) => server.close(() => resolve())) });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Alertmanager's webhook target: forwards each body to the source plugin, as the agent's endpoint will. */
async function startRelay(client: SourceClient) {
  const events: SourceEvent[] = [];
  const errors: string[] = [];
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = new Uint8Array(Buffer.concat(chunks));
      bodies.push(Buffer.from(payload).toString('utf8'));
      client
        .handleExternalRequest({ payload, config: new TextEncoder().encode(''), context: sourceContext })
        .then((event) => {
          events.push(parseEvent(event));
          res.end('ok');
        })
        .catch((err: Error) => {
          errors.push(err.message);
          res.statusCode = 500;
          res.end(err.message);
        });
    });
  });
  return { url: `${await listen(server)}/hook`, events, errors, bodies };
}

/** A scrape target whose one metric the test switches. */
async function startMetrics() {
  let value = 1;
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# TYPE switchboard_test_switch gauge\nswitchboard_test_switch ${value}\n`);
  });
  return { url: await listen(server), set: (v: number) => (value = v) };
}

/** Runs a server binary until the test ends; ready when `readyUrl` answers 200. */
async function startServer(name: string, bin: string, args: string[], readyUrl: string): Promise<void> {
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  servers.push({
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  });
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}):\n${stderr}`);
      return (await fetch(readyUrl).catch(() => undefined))?.ok;
    },
    60_000,
    `${name} to be ready`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${name} stderr:\n${stderr}`);
  });
}

async function startLocalAlertmanager(webhookUrl: string) {
  const alertmanager = await startAlertmanager(await freePort(), webhookUrl);
  servers.push({ stop: alertmanager.stop });
  return { url: alertmanager.url };
}

async function startPrometheus(targets: { alertmanager: string; metrics: string }) {
  const dir = await mkdtemp(join(tmpdir(), 'sb-prom-'));
  const port = await freePort();
  await writeFile(
    join(dir, 'rules.yml'),
    [
      'groups:',
      '  - name: switchboard-test',
      '    interval: 1s',
      '    rules:',
      '      - alert: AlwaysFiring',
      '        expr: vector(1) > 0',
      '        labels: { severity: info }',
      '        annotations: { summary: "Always firing, for tests" }',
      '      - alert: SwitchOn',
      '        expr: switchboard_test_switch > 0',
      '        labels: { severity: critical }',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: [${join(dir, 'rules.yml')}]`,
      'alerting:',
      '  alertmanagers:',
      `    - static_configs: [{ targets: ["${new URL(targets.alertmanager).host}"] }]`,
      'scrape_configs:',
      '  - job_name: switch',
      `    static_configs: [{ targets: ["${new URL(targets.metrics).host}"] }]`,
      '',
    ].join('\n'),
  );
  await startServer(
    'prometheus',
    prometheusBin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=http://127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
    ],
    `http://127.0.0.1:${port}/-/ready`,
  );
}
