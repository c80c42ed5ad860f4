import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { parseMessage } from '../../src/contract/message.js';
import { createExecutorClient, type ExecuteCall } from '../../src/plugins/host/executor-client.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { createSourceClient, type SourceCallContext } from '../../src/plugins/host/source-client.js';
import { createTestLogger } from './test-logger.js';

/**
 * Helpers for process-level tests of the built-in plugins (plugins/*): launch the bundled
 * plugin through our host, or run it under go-plugin's own client (gohost).
 */

/** Path of a bundled built-in plugin, e.g. `executor/exec`. */
export function builtinPlugin(id: string): string {
  const path = inject('builtinPlugins')[id];
  if (!path) throw new Error(`no built-in plugin ${id}; is plugins/<dir>/plugin.json listing it?`);
  return path;
}

/** Launches built-in plugins through the host and stops them all on `stopAll()`. */
export function pluginLauncher() {
  const running: PluginInstance[] = [];
  const launch = async (id: string, options: { appVersions?: number[] } = {}) => {
    const { logger, lines } = createTestLogger();
    const instance = await launchPlugin({
      name: id,
      binary: builtinPlugin(id),
      logger,
      hostEnv: { PATH: process.env.PATH, SLACK_BOT_TOKEN: 'xoxb-secret' },
      ...options,
    });
    running.push(instance);
    return { instance, lines, handle: instanceHandle(instance) };
  };
  return {
    async executor(id: string, options: { appVersions?: number[] } = {}) {
      const launched = await launch(id, options);
      return { ...launched, client: createExecutorClient(launched.handle) };
    },
    async source(id: string, options: { appVersions?: number[] } = {}) {
      const launched = await launch(id, options);
      return { ...launched, client: createSourceClient(launched.handle) };
    },
    stopAll: () => Promise.all(running.splice(0).map((p) => p.stop())),
  };
}

/** An execute call as a chat platform would send it (user Ada, interactive). */
export function executeCall(command: string, configs: string[] = []): ExecuteCall {
  return {
    command,
    configs: configs.map((c) => new TextEncoder().encode(c)),
    context: {
      interactive: true,
      message: {
        text: command,
        url: 'https://chat.example/x',
        parentActivityId: '',
        user: { mention: '<@U1>', displayName: 'Ada' },
      },
      incomingWebhookBaseUrl: 'http://127.0.0.1:2115/sources/v1',
    },
  };
}

/** The context a source call gets from the host. */
export const sourceContext: SourceCallContext = {
  interactive: true,
  clusterName: 'test',
  sourceName: 'builtin',
  incomingWebhook: {
    baseUrl: 'http://127.0.0.1:2115',
    fullUrlForSource: 'http://127.0.0.1:2115/sources/v1/builtin',
  },
};

/** The visible text of a message: its code block or plain text. */
export function messageText(bytes: Uint8Array): string {
  const message = parseMessage(bytes);
  return message.baseBody.codeBlock ?? message.baseBody.plaintext ?? '';
}

/** Runs go-plugin's own client (gohost, see test/fixtures/go/README.md) and parses its JSON output. */
export async function gohost(args: string[]): Promise<unknown> {
  const dirs = inject('goFixtures');
  if ('error' in dirs) throw new Error(dirs.error);
  const { stdout } = await promisify(execFile)(join(dirs.dir, 'gohost'), args, {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 60_000,
  });
  return JSON.parse(stdout);
}

/** Whether a process is still running (a zombie counts as gone: it has ended, just not been reaped). */
export async function isRunning(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Field 3 is the state; the command name before it is in parentheses and may contain spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return stat !== '' && state !== 'Z' && state !== 'X';
}
