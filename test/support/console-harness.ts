import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { type Agent, createAgent, type PlatformContext } from '../../src/app/agent.js';
import { type ConsoleBot, createConsoleBot } from '../../src/bots/console/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { Console } from '../../src/config/schema.js';
import type { ServerFrame } from '../../src/core/console-protocol.js';
import { buildPlugins } from '../../src/plugins/publish/build-plugins.js';
import { publishBuiltins } from './agent-harness.js';
import { repoRoot } from './build-fixtures.js';
import { buildIndexWithoutDependencies } from './fixture-index.js';
import { createTestLogger, waitFor } from './test-logger.js';

/**
 * Helpers for console tests: a real agent whose console platform is the real web console
 * (port 0), the built-in plugins installed from a published repository, and a small WebSocket
 * client that records every frame.
 */

export interface ConsoleAgent {
  agent: Agent;
  console: ConsoleBot;
  /** The console page URL, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  webhooksUrl: string;
  lines: Record<string, unknown>[];
  dir: string;
}

let fixtureRepo: Promise<string> | undefined;

/**
 * Publishes the executor fixture (test/fixtures/plugins/executor-fixture.ts) as executor
 * `fixture` into a repository of its own, once per test file; the agent knows it as `fx/fixture`.
 */
export function publishExecutorFixture(): Promise<string> {
  fixtureRepo ??= (async () => {
    const repo = await mkdtemp(join(tmpdir(), 'sb-console-fx-repo-'));
    // buildPlugins resolves `entry` relative to the plugin directory: a wrapper imports the fixture.
    const pluginsDir = await mkdtemp(join(tmpdir(), 'sb-console-fx-plugins-'));
    await mkdir(join(pluginsDir, 'fx'));
    const fixture = join(repoRoot, 'test/fixtures/plugins/executor-fixture.ts');
    await writeFile(join(pluginsDir, 'fx', 'exec.ts'), `import '${fixture}';\n`);
    await writeFile(
      join(pluginsDir, 'fx', 'plugin.json'),
      JSON.stringify([{ type: 'executor', name: 'fixture', entry: 'exec.ts' }]),
    );
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    await buildPlugins({
      pluginsDir,
      outputDir: repo,
      rootDir: repoRoot,
      platforms: [{ os: 'linux', arch }],
    });
    await buildIndexWithoutDependencies(repo);
    return repo;
  })();
  return fixtureRepo;
}

/**
 * The `context` of a console bot started without an agent: a ready agent with nothing installed
 * and no problems, version `t`.
 */
export function idleAgentContext(): PlatformContext {
  return {
    status: () => ({
      ready: true,
      degraded: false,
      problems: [],
      repositories: [],
      plugins: [],
      platforms: [],
      sources: [],
      queues: [],
    }),
    version: 't',
  };
}

/**
 * Starts an agent from `yaml` (the `communications` and the rest; `plugins:` is appended with the
 * published built-ins). `{dir}` in the YAML is replaced by the agent's temp directory, where
 * `scripts` (name → shell script) are written as executables first. `executorFixture` adds the
 * repository `fx` with the executor fixture ({@link publishExecutorFixture}).
 */
export async function startConsoleAgent(
  yaml: string,
  scripts: Record<string, string> = {},
  options: { executorFixture?: boolean; repositories?: Record<string, string> } = {},
): Promise<ConsoleAgent> {
  const repo = await publishBuiltins();
  const fx = options.executorFixture ? await publishExecutorFixture() : undefined;
  const dir = await mkdtemp(join(tmpdir(), 'sb-console-'));
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(dir, name), body, { mode: 0o755 });
  }
  const file = join(dir, 'config.yaml');
  await writeFile(
    file,
    `${yaml.replaceAll('{dir}', dir)}
plugins:
  cacheDir: ${join(dir, 'cache')}
  repositories:
    sb: {url: "file://${repo}/index.yaml"}
${fx === undefined ? '' : `    fx: {url: "file://${fx}/index.yaml"}\n`}${Object.entries(
  options.repositories ?? {},
)
  .map(([name, url]) => `    ${name}: {url: "${url}"}\n`)
  .join('')}`,
  );
  const { config } = await loadConfig({ files: [file] });
  const { logger, lines } = createTestLogger('debug');
  let bot: ConsoleBot | undefined;
  const agent = createAgent(config, {
    logger,
    version: '0.1.0-test',
    stateDir: join(dir, 'state'),
    createPlatform: (instance, context) => {
      if (instance.platform !== 'console') return undefined;
      bot = createConsoleBot({ id: instance.id, settings: instance.settings as Console, logger, context });
      return bot;
    },
    ports: { operations: 0, webhooks: 0 },
  });
  const urls = await agent.start();
  if (!bot) throw new Error('the config has no console platform');
  const url = bot.url();
  if (!url) throw new Error('the console is not listening');
  return { agent, console: bot, url, webhooksUrl: urls.webhooksUrl ?? '', lines, dir };
}

/** A WebSocket client that keeps every frame it receives. */
export class FrameRecorder {
  readonly frames: ServerFrame[] = [];
  readonly socket: WebSocket;
  closed: { code: number; reason: string } | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => this.frames.push(JSON.parse(String(data)) as ServerFrame));
    socket.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
  }

  /** Connects to the console at `pageUrl` and waits for the hello frame. */
  static async connect(
    pageUrl: string,
    options: { headers?: Record<string, string>; user?: string } = {},
  ): Promise<FrameRecorder> {
    const url = new URL('ws', pageUrl.replace(/^http/, 'ws'));
    if (options.user) url.searchParams.set('user', options.user);
    const socket = new WebSocket(url, { headers: options.headers ?? {} });
    const recorder = new FrameRecorder(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await waitFor(() => recorder.of('hello').length > 0, 15_000, 'hello');
    return recorder;
  }

  of<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[] {
    return this.frames.filter((f): f is Extract<ServerFrame, { type: T }> => f.type === type);
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Bot messages (posted or edited, latest version of each) whose text includes `text`. */
  botTexts(channel = 'ops'): string[] {
    const latest = new Map<string, string>();
    for (const f of this.frames) {
      if (
        (f.type === 'message' || f.type === 'edit') &&
        f.message.kind === 'bot' &&
        f.message.channel === channel
      ) {
        latest.set(f.message.id, JSON.stringify(f.message.message));
      }
    }
    return [...latest.values()];
  }

  close(): void {
    this.socket.close();
  }
}

/** Prints "tick 1" … "tick 6", 0.7 s apart: output that streams for about 4 s. */
export const slowScript = '#!/bin/sh\nfor i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.7; done\n';

/** Prints a line, is silent for 2.5 s, then prints another: output with a long pause in it. */
export const pauseScript = '#!/bin/sh\necho "before the pause"\nsleep 2.5\necho "after the pause"\n';

/** Prints nothing until a file `gate-open` appears next to it, then one line: a command the test finishes. */
export const gateScript =
  '#!/bin/sh\nd=$(dirname "$0")\nwhile [ ! -e "$d/gate-open" ]; do sleep 0.1; done\necho "through the gate"\n';

/** The scripts {@link consoleTestConfig} runs, for `startConsoleAgent`'s files. */
export const consoleTestScripts = { 'slow.sh': slowScript, 'pause.sh': pauseScript, 'gate.sh': gateScript };

/**
 * The config most console tests use: channels `ops` (commands and webhook events) and `dev`
 * (commands), the echo and exec executors (`exec lines N` prints N lines; `exec slow` streams,
 * `exec pause` pauses mid-output, `exec gate` answers once the agent's dir holds `gate-open`:
 * {@link consoleTestScripts}), and the webhook sources `hooks` (any JSON, shown
 * pretty-printed) and `notes` (`{title, note, who, items}` into a header, text, a field and a list).
 */
export const consoleTestConfig = `
communications:
  default:
    console:
      enabled: true
      port: 0
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: [hooks, notes]}}
        dev: {name: dev, bindings: {executors: [tools], sources: []}}
executors:
  tools:
    sb/echo: {enabled: true}
    sb/exec:
      enabled: true
      config:
        commands:
          lines: {path: "${join(repoRoot, 'test/fixtures/exec/lines.sh')}", args: ["[0-9]{1,5}"]}
          slow: {path: "{dir}/slow.sh"}
          pause: {path: "{dir}/pause.sh"}
          gate: {path: "{dir}/gate.sh"}
        timeout: 60s
sources:
  hooks:
    sb/webhook: {enabled: true}
  notes:
    sb/webhook:
      enabled: true
      config:
        template:
          title: "{{ .title }}"
          text: "{{ .note }}"
          fields: [{key: Who, value: "{{ .who }}"}]
          list: {title: Items, items: .items, item: "{{ . }}"}
settings:
  clusterName: test-cluster
`;

/**
 * A console with channels `ops` and `dev` bound to the echo and the executor fixture (`fx`):
 * `fixture ask` answers a button that runs `fixture form`, a form with a select and a text input
 * whose commands are `fixture echo <word>` and `fixture echo typed <text>`. Start it with
 * `executorFixture: true`.
 */
export const consoleFormConfig = `
communications:
  default:
    console:
      enabled: true
      port: 0
      channels:
        ops: {name: ops, bindings: {executors: [tools], sources: []}}
        dev: {name: dev, bindings: {executors: [tools], sources: []}}
executors:
  tools:
    sb/echo: {enabled: true}
    fx/fixture: {enabled: true}
settings:
  clusterName: test-cluster
`;
