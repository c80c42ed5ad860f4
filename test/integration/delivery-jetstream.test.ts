import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, publishBuiltins } from '../support/agent-harness.js';
import {
  type CliAgentRun,
  deliveryStoreStatus,
  postWebhookEvents,
  startCliAgent,
  writePipelineConfig,
} from '../support/cli-agent-pipeline.js';
import { TestNatsServer } from '../support/nats-server.js';
import { SlowReceiver } from '../support/slow-receiver.js';
import { waitFor } from '../support/test-logger.js';

/**
 * The JetStream delivery queue end to end: the real CLI agent, the real webhook source plugin
 * fed over HTTP, the webhook sink posting to a slow loopback receiver, and a real
 * `nats-server -js` owned by the test (its own port and storage), killed and restarted at will.
 */

/** Messages ever stored in the delivery stream (its last sequence). */
async function storedInStream(url: string): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    return (await (await jetstreamManager(nc)).streams.info('SWITCHBOARD_DELIVERY')).state.last_seq;
  } finally {
    await nc.close();
  }
}

type Run = CliAgentRun;

interface StoreStatus {
  items: number;
  waitingForStore?: number;
}

describe('JetStream delivery queue (real agent process, nats-server, webhook source and sink)', () => {
  const receiver = new SlowReceiver();
  const children: ChildProcess[] = [];
  const servers: TestNatsServer[] = [];
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
    for (const server of servers.splice(0)) await server.dispose();
    receiver.reset();
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.server.close(resolve));
  });

  const setUp = (natsPort: number, delivery = '') =>
    writePipelineConfig({
      prefix: 'sb-jetstream-',
      receiverUrl: receiver.url,
      repo,
      delivery: `    store:
      type: jetstream
      jetstream: {servers: ["nats://127.0.0.1:${natsPort}"], consumer: agent-test}
${delivery}`,
    });
  const start = (config: string, stateDir: string) => startCliAgent(config, stateDir, children);
  const storeStatus = (run: Run) => deliveryStoreStatus<StoreStatus>(run);
  const post = (hookPort: number, from: number, to: number) => postWebhookEvents(hookPort, from, to);

  it('delivers every accepted event after a kill -9 mid-stream, duplicates bounded by the deliveries in flight', async () => {
    const nats = await TestNatsServer.start();
    servers.push(nats);
    const { config, stateDir, hookPort } = await setUp(nats.port, '    sinkConcurrency: 2');
    receiver.delayMs = 100;
    const total = 300;
    const first = await start(config, stateDir);
    await waitFor(
      () => /delivery queue in JetStream opened/.test(first.output()),
      30_000,
      'the store to open',
    );
    await post(hookPort, 0, total);
    await waitFor(() => receiver.arrivals.length >= 20, 30_000, 'the first deliveries');
    // An event is stored once JetStream acknowledged its publish, a round trip after the webhook
    // answered (docs/delivery.md): the kill comes once all were stored.
    await waitFor(
      async () => (await storedInStream(nats.url)) >= total,
      30_000,
      `${total} events in the stream`,
    );
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
    // Deliveries in flight at the kill (sinkConcurrency) and acks not yet flushed to the server.
    expect(duplicates).toBeLessThanOrEqual(4);
    await waitFor(async () => (await storeStatus(second)).items === 0, 10_000, 'an empty queue');
    expect(second.output()).toMatch(/delivering messages left in the queue by the previous run/);
  }, 240_000);

  it('with NATS down at start says so, holds what it accepts, and delivers it all once NATS is up', async () => {
    const natsPort = await freePort();
    const { config, stateDir, hookPort } = await setUp(natsPort);
    const run = await start(config, stateDir);
    await waitFor(() => /cannot reach NATS at nats:\/\/127\.0\.0\.1/.test(run.output()), 20_000, 'the error');
    expect(run.output()).toContain('SB_ERR_QUEUE_STORE');
    await post(hookPort, 0, 50);
    await waitFor(async () => (await storeStatus(run)).waitingForStore === 50, 10_000, '50 held events');
    expect(receiver.arrivals).toEqual([]);

    const nats = await TestNatsServer.atPort(natsPort);
    servers.push(nats);
    await nats.start();
    await waitFor(() => receiver.unique().size === 50, 30_000, 'all 50 events');
    expect(receiver.arrivals.length).toBe(50);
  }, 240_000);

  it('keeps delivering while NATS is killed mid-run, and a SIGTERM with the sink down leaves everything for the next start', async () => {
    const nats = await TestNatsServer.start();
    servers.push(nats);
    const { config, stateDir, hookPort } = await setUp(nats.port, '    drainTimeout: 1s');
    const first = await start(config, stateDir);
    await waitFor(
      () => /delivery queue in JetStream opened/.test(first.output()),
      30_000,
      'the store to open',
    );
    await nats.stop('SIGKILL');
    await post(hookPort, 0, 40);
    await waitFor(() => receiver.unique().size === 40, 30_000, '40 events delivered while NATS is away');
    expect(first.output()).toMatch(/lost the connection to NATS/);

    await nats.start();
    await waitFor(() => /reconnected to NATS/.test(first.output()), 30_000, 'the reconnection');
    receiver.down = true;
    await post(hookPort, 40, 100);
    await waitFor(async () => (await storeStatus(first)).items === 60, 10_000, '60 queued events');
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');

    receiver.down = false;
    await start(config, stateDir);
    await waitFor(() => receiver.unique().size === 100, 30_000, 'all 100 events');
    expect(receiver.arrivals.length).toBe(100);
  }, 240_000);
});
