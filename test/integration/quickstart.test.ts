import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { repoRoot } from '../support/build-fixtures.js';
import { waitFor } from '../support/test-logger.js';

/**
 * README's set-up, literally: after `npm ci` (which built dist/ and the plugin archives),
 * `npx switchboard start` with no config and no tokens. The only difference from a user's
 * shell is a private state directory, so the test never touches ~/.local/state.
 */
describe('README quickstart: npx switchboard start', () => {
  let child: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';
  afterAll(async () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The whole group has exited already.
      }
    }
  });

  it('serves the console page, answers ping over the WebSocket, shows a demo event and stops on SIGINT', async () => {
    const state = await mkdtemp(join(tmpdir(), 'sb-quickstart-'));
    child = spawn('npx', ['switchboard', 'start'], {
      cwd: repoRoot,
      env: { ...process.env, SWITCHBOARD_STATE_DIR: state, SWITCHBOARD_CONFIG_PATHS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, like a shell job: Ctrl-C (SIGINT) goes to npx and the agent alike.
      detached: true,
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const url = await waitFor(
      () => {
        if (child?.exitCode !== null) throw new Error(`start exited (${child?.exitCode}): ${stderr}`);
        return /Web console: +(http:\/\/\S+)/.exec(stdout)?.[1];
      },
      60_000,
      'the console URL on stdout',
    );
    expect(url).toBe('http://127.0.0.1:2116/');
    expect(stdout).toContain('is running the quickstart');
    // What it prints is what it binds: loopback only, health and metrics on one listener.
    expect(stdout).toContain('Status:       http://127.0.0.1:2114/status');
    expect(stdout).toContain('Metrics:      http://127.0.0.1:2114/metrics');
    expect((await fetch('http://127.0.0.1:2114/metrics')).status).toBe(200);
    const other =
      Object.values(networkInterfaces())
        .flat()
        .find((a) => a !== undefined && !a.internal && a.family === 'IPv4')?.address ?? '127.0.0.2';
    for (const port of [2114, 2116]) await expect(fetch(`http://${other}:${port}/`)).rejects.toThrow();
    expect(await readFile(join(state, 'quickstart.yaml'), 'utf8')).toContain('switchboard/demo');

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script type="module"');

    const frames: { type: string; [key: string]: unknown }[] = [];
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}ws`, { origin: url.replace(/\/$/, '') });
    socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    const hello = await waitFor(() => frames.find((f) => f.type === 'hello'), 10_000, 'hello');
    expect((hello.channels as { name: string }[]).map((c) => c.name)).toEqual(['general', 'quiet']);

    socket.send(JSON.stringify({ type: 'command', channel: 'general', text: 'ping', origin: 'typed' }));
    await waitFor(
      () => frames.some((f) => f.type === 'message' && JSON.stringify(f).includes('pong')),
      20_000,
      'pong',
    );
    // The demo source posts its first event as soon as its stream opens, so it may already be
    // in the history the socket received on connect.
    await waitFor(
      () => frames.some((f) => JSON.stringify(f).includes('Demo event #')),
      30_000,
      'a demo event',
    );
    socket.close();

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child?.once('exit', (code, signal) => resolve({ code, signal })),
    );
    process.kill(-(child.pid as number), 'SIGINT');
    // npx itself may end by the signal; the agent under it must stop cleanly and free its ports.
    const { code, signal } = await exited;
    expect(code === 0 || signal === 'SIGINT').toBe(true);
    await waitFor(() => stderr.includes('SIGINT: stopping'), 10_000, 'the agent stopping');
    await waitFor(
      () =>
        fetch(url).then(
          () => false,
          () => true,
        ),
      15_000,
      'the console port to close',
    );
  }, 120_000);
});
