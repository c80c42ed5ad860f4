import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './agent-harness.js';
import { waitFor } from './test-logger.js';

export const natsServerBin = '/usr/sbin/nats-server';

/**
 * A real `nats-server -js` owned by one test: its own loopback port and storage directory, so
 * tests neither depend on nor pollute the machine's shared server. `stop` kills it (SIGKILL by
 * default, like a crash) and `start` brings it back on the same port and data, for outages.
 */
export class TestNatsServer {
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {}

  static async start(): Promise<TestNatsServer> {
    const server = await TestNatsServer.atPort(await freePort());
    await server.start();
    return server;
  }

  /** A server for `port` (one a client was already given), not started yet. */
  static async atPort(port: number): Promise<TestNatsServer> {
    return new TestNatsServer(port, await mkdtemp(join(tmpdir(), 'sb-nats-')));
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** What the server printed, for failure messages. */
  get log(): string {
    return this.#log;
  }

  async start(): Promise<void> {
    const child = spawn(
      natsServerBin,
      ['-js', '-sd', this.storeDir, '-a', '127.0.0.1', '-p', String(this.port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.#child = child;
    const keep = (chunk: Buffer) => {
      this.#log += chunk.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`nats-server exited (${child.exitCode}): ${this.#log}`);
        return /Server is ready/.test(this.#log) && this.#accepts();
      },
      20_000,
      'nats-server to accept connections',
    );
  }

  #accepts(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await once(child, 'exit');
  }

  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.storeDir, { recursive: true, force: true });
  }
}
