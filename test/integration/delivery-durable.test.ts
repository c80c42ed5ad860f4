import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deliveryQueueFile } from '../../src/app/delivery-store.js';
import { publishBuiltins } from '../support/agent-harness.js';
import { spawnCli } from '../support/cli.js';
import {
  type CliAgentRun,
  deliveryStoreStatus,
  postWebhookEvents,
  startCliAgent,
  writePipelineConfig,
} from '../support/cli-agent-pipeline.js';
import { SlowReceiver } from '../support/slow-receiver.js';
import { waitFor } from '../support/test-logger.js';

/**
 * The durable delivery queue end to end: the real CLI agent (`switchboard start`, a child
 * process), the real webhook source plugin fed over HTTP, and the webhook sink posting to a
 * slow loopback receiver. The agent is killed with SIGKILL mid-stream, stopped with SIGTERM
 * while the receiver is down, and started on a damaged queue file.
 */

type Run = CliAgentRun;

interface StoreStatus {
  items: number;
  bytes: number;
  capBytes: number;
  droppedAtCap: number;
}

describe('durable delivery queue (real agent process, webhook source and sink)', () => {
  const receiver = new SlowReceiver();
  const children: ChildProcess[] = [];
  let repo: string;

  beforeAll(async () => {
    repo = await publishBuiltins();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
  }, 180_000);

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    receiver.reset();
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  const setUp = (delivery: string) =>
    writePipelineConfig({ prefix: 'sb-durable-', receiverUrl: receiver.url, repo, delivery });
  const start = (config: string, stateDir: string) => startCliAgent(config, stateDir, children);
  const storeStatus = (run: Run) => deliveryStoreStatus<StoreStatus>(run);
  /** Events `from`..`to`-1, each padded with `padding` bytes. */
  const post = (hookPort: number, from: number, to: number, padding = 0) =>
    postWebhookEvents(hookPort, from, to, { pad: 'p'.repeat(padding) });

  it('delivers every accepted event after a kill -9 mid-stream, with at most sinkConcurrency duplicates', async () => {
    const { config, stateDir, hookPort } = await setUp('    sinkConcurrency: 2');
    receiver.delayMs = 100;
    const total = 300;
    const first = await start(config, stateDir);
    await post(hookPort, 0, total);
    await waitFor(() => receiver.arrivals.length >= 20, 30_000, 'the first deliveries');
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    const beforeKill = receiver.unique().size;
    expect(beforeKill).toBeLessThan(total);

    receiver.delayMs = 5;
    const second = await start(config, stateDir);
    await waitFor(() => receiver.unique().size === total, 60_000, `all ${total} events`);
    const duplicates = receiver.arrivals.length - total;
    // A repeat (a delivery in flight at the kill) carries the Idempotency-Key of its first try,
    // so a receiver can drop it.
    for (const { event, keys } of receiver.repeats())
      expect({ event, keys: keys.length }).toEqual({ event, keys: 1 });
    expect(receiver.keys.get(0)?.values().next().value).toMatch(/^[0-9a-f]{32}$/);
    // Only deliveries in flight at the kill (at most sinkConcurrency) can arrive twice.
    expect(duplicates).toBeLessThanOrEqual(2);
    await waitFor(async () => (await storeStatus(second)).items === 0, 10_000, 'an empty queue');
    expect(second.output()).toMatch(/delivering messages left in the queue by the previous run/);
  }, 240_000);

  it('delivers what a SIGTERM left while the sink was down once the agent starts again with the sink up', async () => {
    const { config, stateDir, hookPort } = await setUp('    drainTimeout: 1s');
    receiver.down = true;
    const first = await start(config, stateDir);
    await post(hookPort, 0, 100);
    await waitFor(async () => (await storeStatus(first)).items === 100, 10_000, '100 queued events');
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');
    expect(first.output()).toMatch(/they stay in the queue file for the next start/);
    expect(receiver.arrivals).toEqual([]);

    receiver.down = false;
    await start(config, stateDir);
    await waitFor(() => receiver.unique().size === 100, 30_000, 'all 100 events');
    expect(receiver.arrivals.length).toBe(100);
  }, 240_000);

  it('at the disk cap drops the oldest events and counts exactly the ones that never arrive', async () => {
    const { config, stateDir, hookPort } = await setUp('    store: {maxSizeMiB: 1}');
    receiver.down = true;
    const run = await start(config, stateDir);
    const total = 150;
    await post(hookPort, 0, total, 10_000);
    const full = await waitFor(
      async () => {
        const s = await storeStatus(run);
        return s.items + s.droppedAtCap === total ? s : undefined;
      },
      20_000,
      'every event stored or counted',
    );
    expect(full.droppedAtCap).toBeGreaterThan(0);
    expect(full.capBytes).toBe(1024 * 1024);
    expect(run.output()).toMatch(/delivery queue file at its size cap/);

    receiver.down = false;
    await waitFor(async () => (await storeStatus(run)).items === 0, 60_000, 'the queue to drain');
    expect(receiver.unique().size).toBe(total - full.droppedAtCap);
    // Oldest first: the last event is kept.
    expect(receiver.unique().has(total - 1)).toBe(true);
  }, 240_000);

  it('refuses a second agent on the same queue, naming the state directory and the first pid', async () => {
    const { config, stateDir } = await setUp('');
    const first = await start(config, stateDir);
    const { child, stderr } = spawnCli(['start', '-c', config, '--state-dir', stateDir]);
    children.push(child);
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr()).toContain('SB_ERR_QUEUE_LOCKED');
    // The CLI wraps long error lines.
    expect(stderr().replace(/\s+/g, ' ')).toContain(
      `in state directory ${stateDir} is in use by another agent (pid ${first.child.pid},`,
    );
    // The first agent goes on serving.
    expect((await fetch(first.statusUrl)).status).toBe(200);
  }, 240_000);

  it('starts with a fresh queue on a damaged queue file, which it quarantines with SB_ERR_QUEUE_CORRUPT', async () => {
    const { config, stateDir, hookPort } = await setUp('');
    await mkdir(stateDir, { recursive: true });
    const file = deliveryQueueFile(stateDir, [config]);
    await writeFile(file, Buffer.alloc(8192, 0x5a));
    const run = await start(config, stateDir);
    expect(run.output()).toContain('SB_ERR_QUEUE_CORRUPT');
    const quarantined = (await readdir(stateDir)).filter((f) => f.includes('.sqlite.corrupt-'));
    expect(quarantined).toHaveLength(1);
    expect(existsSync(file)).toBe(true);
    await post(hookPort, 0, 1);
    await waitFor(() => receiver.unique().has(0), 15_000, 'the event after the quarantine');
  }, 240_000);
});
