import { afterEach, describe, expect, inject, it } from 'vitest';
import { parseEvent } from '../../src/contract/event.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { createSourceClient, type SourceCallContext } from '../../src/plugins/host/source-client.js';
import { createTestLogger } from '../support/test-logger.js';

const binary = inject('tsFixtures')['source-fixture'] as string;
const running: PluginInstance[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop()));
});

let pluginLines: Record<string, unknown>[] = [];

async function client(appVersions?: number[]) {
  const { logger, lines } = createTestLogger();
  pluginLines = lines;
  const instance = await launchPlugin({
    name: 'test/ticker',
    binary,
    logger,
    ...(appVersions ? { appVersions } : {}),
  });
  running.push(instance);
  return createSourceClient(instanceHandle(instance));
}

const context: SourceCallContext = {
  interactive: true,
  clusterName: 'prod-eu',
  sourceName: 'ticks',
  incomingWebhook: { baseUrl: 'http://sb:2115', fullUrlForSource: 'http://sb:2115/sources/v1/ticks' },
};
const yaml = (s: string) => new TextEncoder().encode(s);

describe('host ↔ TypeScript source plugin', () => {
  it('streams events with the Botkube context and ends when the plugin closes the stream', async () => {
    const source = await client();
    const events = [];
    for await (const event of source.stream({ config: yaml('count: 3\nclose: true\n'), context }))
      events.push(parseEvent(event));
    expect(events.map((e) => e.message.baseBody.plaintext)).toEqual([
      'tick 1 from ticks',
      'tick 2 from ticks',
      'tick 3 from ticks',
    ]);
    expect(events[0]?.rawObject).toMatchObject({ i: 1, source: 'ticks', cluster: 'prod-eu' });
    expect(events[0]?.analyticsLabels).toEqual({ kind: 'tick' });
  });

  it("ends the stream with the plugin's error, after the events it sent", async () => {
    const source = await client();
    const seen: string[] = [];
    const consume = async () => {
      for await (const e of source.stream({ config: yaml('count: 1\nfailWith: source broke\n'), context })) {
        seen.push(parseEvent(e).message.baseBody.plaintext ?? '');
      }
    };
    await expect(consume()).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('source.Source/Stream failed: source broke'),
    });
    expect(seen).toEqual(['tick 1 from ticks']);
  });

  it('writes Go-compatible event JSON (capitalised keys)', async () => {
    const source = await client();
    for await (const event of source.stream({ config: yaml('count: 1\nclose: true\n'), context })) {
      expect(Object.keys(JSON.parse(Buffer.from(event).toString()))).toEqual([
        'Message',
        'RawObject',
        'AnalyticsLabels',
      ]);
    }
  });

  it('cancels an open stream when the consumer stops reading', async () => {
    const source = await client();
    const controller = new AbortController();
    let seen = 0;
    for await (const _ of source.stream(
      { config: yaml('count: 100000\nintervalMs: 1\n'), context },
      { signal: controller.signal },
    )) {
      seen += 1;
      if (seen === 5) break;
    }
    expect(seen).toBe(5);
    // The plugin is still healthy and serves a new stream.
    const again = [];
    for await (const e of source.stream({ config: yaml('count: 1\nclose: true\n'), context })) again.push(e);
    expect(again).toHaveLength(1);
  });

  it('carries 50,000 events in order with backpressure', async () => {
    const source = await client();
    let expected = 1;
    for await (const event of source.stream({
      config: yaml('count: 50000\nclose: true\npayloadBytes: 200\n'),
      context,
    })) {
      const { i } = parseEvent(event).rawObject as { i: number };
      expect(i).toBe(expected);
      expected += 1;
    }
    expect(expected - 1).toBe(50_000);
    // Backpressure waits must not leave listeners behind (Node warns past 10 on one signal).
    expect(pluginLines.filter((l) => String(l.msg).includes('MaxListenersExceededWarning'))).toEqual([]);
    // CPU-bound in two processes: ~15 s on a loaded 2-core machine, more on a slower one.
  }, 90_000);

  it('turns an incoming webhook into an event, and reports metadata with the payload schema', async () => {
    const source = await client();
    const event = parseEvent(
      await source.handleExternalRequest({
        payload: yaml('{"alert":"disk full"}'),
        config: yaml(''),
        context,
      }),
    );
    expect(event.message.baseBody.plaintext).toBe('webhook for ticks: {"alert":"disk full"}');
    expect(event.rawObject).toEqual({ alert: 'disk full' });
    expect(await source.metadata()).toMatchObject({
      version: '1.2.3',
      externalRequest: { payloadJsonSchema: { value: '{"type":"object"}' } },
    });
  });

  it('returns the plugin error for a bad webhook payload', async () => {
    const source = await client();
    await expect(
      source.handleExternalRequest({ payload: yaml('not json'), config: yaml(''), context }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('HandleExternalRequest failed'),
    });
  });

  it('speaks app protocol 1 (no webhooks there)', async () => {
    const source = await client([1]);
    const events = [];
    for await (const e of source.stream({ config: yaml('count: 2\nclose: true\n'), context }))
      events.push(parseEvent(e));
    expect(events.map((e) => (e.rawObject as { cluster: string }).cluster)).toEqual(['prod-eu', 'prod-eu']);
    await expect(
      source.handleExternalRequest({ payload: yaml('{}'), config: yaml(''), context }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_UNIMPLEMENTED',
    });
  });
});

describe('host ↔ TypeScript source plugin, event by event (each: the agent path)', () => {
  it('hands every event over in order and resolves when the plugin ends the stream', async () => {
    const source = await client();
    const seen: number[] = [];
    await source.each({ config: yaml('count: 2000\nclose: true\n'), context }, (event) => {
      seen.push((parseEvent(event).rawObject as { i: number }).i);
    });
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it('pauses the stream while a returned promise is pending (back-pressure)', async () => {
    const source = await client();
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await source.each({ config: yaml('count: 300\nclose: true\n'), context }, async (event) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      seen.push((parseEvent(event).rawObject as { i: number }).i);
      // Slow for some events: the next must not arrive meanwhile.
      if (seen.length % 50 === 0) await new Promise((r) => setTimeout(r, 20));
      else await Promise.resolve();
      inFlight -= 1;
    });
    expect(most).toBe(1);
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it("rejects with the plugin's error after the events it sent", async () => {
    const source = await client();
    const seen: string[] = [];
    await expect(
      source.each({ config: yaml('count: 1\nfailWith: source broke\n'), context }, (e) => {
        seen.push(parseEvent(e).message.baseBody.plaintext ?? '');
      }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_PLUGIN_CALL',
      message: expect.stringContaining('source.Source/Stream failed: source broke'),
    });
    expect(seen).toEqual(['tick 1 from ticks']);
  });

  it('rejects with what the consumer threw (sync or async), cancels the call, and the plugin serves on', async () => {
    const source = await client();
    let seen = 0;
    await expect(
      source.each({ config: yaml('count: 100000\nintervalMs: 1\n'), context }, () => {
        seen += 1;
        if (seen === 3) throw new Error('consumer gave up');
      }),
    ).rejects.toThrow('consumer gave up');
    expect(seen).toBe(3);
    await expect(
      source.each({ config: yaml('count: 100000\nintervalMs: 1\n'), context }, async () => {
        throw new Error('async consumer gave up');
      }),
    ).rejects.toThrow('async consumer gave up');
    const again: Uint8Array[] = [];
    await source.each({ config: yaml('count: 1\nclose: true\n'), context }, (e) => {
      again.push(e);
    });
    expect(again).toHaveLength(1);
  });

  it('rejects with SB_ERR_PLUGIN_CANCELLED when the signal aborts, also while paused', async () => {
    const source = await client();
    const controller = new AbortController();
    let seen = 0;
    const running = source.each(
      { config: yaml('count: 100000\nintervalMs: 1\n'), context },
      () => {
        seen += 1;
        if (seen === 5) {
          controller.abort();
          // Pending forever: the abort must still end the call.
          return new Promise<void>(() => undefined);
        }
      },
      { signal: controller.signal },
    );
    await expect(running).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_CANCELLED' });
    expect(seen).toBe(5);
    await expect(
      source.each({ config: yaml('count: 1\n'), context }, () => undefined, { signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'SB_ERR_PLUGIN_CANCELLED' });
  });

  it('speaks app protocol 1', async () => {
    const source = await client([1]);
    const clusters: string[] = [];
    await source.each({ config: yaml('count: 2\nclose: true\n'), context }, (e) => {
      clusters.push((parseEvent(e).rawObject as { cluster: string }).cluster);
    });
    expect(clusters).toEqual(['prod-eu', 'prod-eu']);
  });
});
