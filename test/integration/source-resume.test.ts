import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSourceStream } from '../../src/bridge/source/source-streams.js';
import { parseEvent } from '../../src/contract/event.js';
import { instanceHandle } from '../../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../../src/plugins/host/plugin-instance.js';
import { createSourceClient, type SourceCallContext } from '../../src/plugins/host/source-client.js';
import { PluginSupervisor } from '../../src/plugins/host/supervisor.js';
import { fixtureDir, repoRoot } from '../support/build-fixtures.js';
import { createTestLogger, waitFor } from '../support/test-logger.js';

const binary = inject('tsFixtures')['source-fixture'] as string;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const context: SourceCallContext = {
  interactive: false,
  clusterName: 'prod',
  sourceName: 'ticks',
  incomingWebhook: { baseUrl: '', fullUrlForSource: '' },
};
const yaml = (s: string) => new TextEncoder().encode(s);
const tick = (event: Uint8Array) => (parseEvent(event).rawObject as { i: number }).i;

async function client(appVersions?: number[]) {
  const { logger } = createTestLogger();
  const instance: PluginInstance = await launchPlugin({
    name: 'test/ticker',
    binary,
    logger,
    ...(appVersions ? { appVersions } : {}),
  });
  cleanup.push(async () => {
    await instance.stop();
  });
  return createSourceClient(instanceHandle(instance));
}

describe('stream cursors, host ↔ SDK', () => {
  it('hands over each event with its cursor, and a resume cursor reaches the plugin', async () => {
    const source = await client();
    const seen: [number, string | undefined][] = [];
    await source.each({ config: yaml('count: 3\nclose: true\ncursors: true\n'), context }, (e, cursor) => {
      seen.push([tick(e), cursor]);
    });
    expect(seen).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
    ]);

    const resumed: { i: number; resumedFrom: string | null }[] = [];
    await source.each(
      { config: yaml('count: 5\nclose: true\ncursors: true\n'), context, resumeCursor: '3' },
      (e) => {
        resumed.push(parseEvent(e).rawObject as { i: number; resumedFrom: string | null });
      },
    );
    expect(resumed.map((r) => [r.i, r.resumedFrom])).toEqual([
      [4, '3'],
      [5, '3'],
    ]);
  });

  it('passes no cursor for events sent without one, and none on app protocol 1', async () => {
    const plain = await client();
    const cursors: (string | undefined)[] = [];
    await plain.each({ config: yaml('count: 2\nclose: true\n'), context }, (_e, cursor) => {
      cursors.push(cursor);
    });
    expect(cursors).toEqual([undefined, undefined]);

    const v1 = await client([1]);
    const v1Seen: [number, string | undefined, unknown][] = [];
    await v1.each(
      { config: yaml('count: 2\nclose: true\ncursors: true\n'), context, resumeCursor: '1' },
      (e, cursor) => {
        v1Seen.push([tick(e), cursor, (parseEvent(e).rawObject as { resumedFrom: unknown }).resumedFrom]);
      },
    );
    // Protocol 1 has neither field: the stream starts fresh and its cursors stay in the plugin.
    expect(v1Seen).toEqual([
      [1, undefined, null],
      [2, undefined, null],
    ]);
  });

  it('re-opens a stream after the plugin crashes from the latest cursor it saw, so no event repeats', async () => {
    const { logger, lines } = createTestLogger();
    const supervisor = new PluginSupervisor({
      launch: { name: 'test/ticker', binary, autoMtls: false },
      logger,
      healthCheckIntervalMs: 0,
      backoff: { initialDelayMs: 50, maxDelayMs: 200, multiplier: 2, jitter: 0 },
    });
    await supervisor.start();
    cleanup.push(() => supervisor.stop());
    const seen: [number, string | undefined, unknown][] = [];
    // The plugin exits after event 4 on every run; resumed runs start after their cursor, so
    // each run gets further: 1-4 (crash), 5-8 with cursor 4 (crash)… until 10.
    const stream = startSourceStream(
      {
        group: 'ticks',
        pluginKey: 'test/ticker',
        client: createSourceClient(supervisor),
        config: yaml('count: 10\nintervalMs: 20\ncursors: true\ncrashAfter: 4\n'),
        context,
        resumeCursor: '0',
      },
      (_group, e, cursor) => {
        const event = parseEvent(e).rawObject as { i: number; resumedFrom: unknown };
        seen.push([event.i, cursor, event.resumedFrom]);
      },
      logger,
    );
    cleanup.push(() => stream.stop());
    await waitFor(() => seen.length >= 10, 20_000).catch((err: Error) => {
      throw new Error(`${err.message}; seen ${JSON.stringify(seen)} ${JSON.stringify(lines.slice(-20))}`);
    });
    expect(seen.map(([i]) => i)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.map(([, cursor]) => cursor)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(seen.map(([, , from]) => from)).toEqual(['0', '0', '0', '0', '4', '4', '4', '4', '8', '8']);
  });
});

const exec = promisify(execFile);

/**
 * The Go fixtures built from proto/ as Botkube has it: source.proto without the two cursor
 * fields, so to these binaries the fields are unknown, as they are to Botkube and its plugins.
 */
async function buildBotkubeProtoFixtures(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'sb-botkube-proto-'));
  try {
    await cp(join(repoRoot, 'proto'), join(work, 'proto'), { recursive: true });
    await cp(join(repoRoot, 'test/fixtures/go'), join(work, 'test/fixtures/go'), { recursive: true });
    const file = join(work, 'proto/source.proto');
    const stripped = (await readFile(file, 'utf8'))
      .split('\n')
      .filter((line) => !/^\s*string (resumeCursor = 3|cursor = 2);/.test(line))
      .join('\n');
    expect(stripped).not.toMatch(/resumeCursor =|cursor = 2/);
    await writeFile(file, stripped);
    const out = join(fixtureDir, 'go-botkube-proto');
    await mkdir(out, { recursive: true });
    // Skipped when its inputs are unchanged (build.sh hashes them).
    await exec('bash', [join(work, 'test/fixtures/go/build.sh'), out], { maxBuffer: 16 * 1024 * 1024 });
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

describe('stream cursors and Go peers that do not know them (Botkube)', () => {
  let goDir = '';
  beforeAll(async () => {
    goDir = await buildBotkubeProtoFixtures();
  }, 300_000);

  it("go-plugin's Go host reads a TypeScript source's events and skips their cursors", async () => {
    const { stdout } = await exec(join(goDir, 'gohost'), [
      '-type',
      'source',
      '-config',
      'count: 3\nintervalMs: 5\ncursors: true\n',
      binary,
      'stream',
      '3',
    ]);
    const events = JSON.parse(stdout) as Record<string, unknown>[];
    expect(events.map((e) => Object.keys(e).sort())).toEqual(
      Array(3).fill(['AnalyticsLabels', 'Message', 'RawObject']),
    );
    expect(events.map((e) => (e.RawObject as { i: number }).i)).toEqual([1, 2, 3]);
  });

  it('a Go source streams as before when the host sends a resume cursor', async () => {
    const { logger } = createTestLogger();
    const instance = await launchPlugin({
      name: 'test/goticker',
      binary: join(goDir, 'source_goticker'),
      logger,
    });
    cleanup.push(async () => {
      await instance.stop();
    });
    const source = createSourceClient(instanceHandle(instance));
    const seen: [number, string | undefined][] = [];
    await source.each(
      { config: yaml('count: 3\nintervalMs: 5\nclose: true\n'), context, resumeCursor: '{"opaque":1}' },
      (e, cursor) => {
        seen.push([tick(e), cursor]);
      },
    );
    expect(seen).toEqual([
      [1, undefined],
      [2, undefined],
      [3, undefined],
    ]);
  });
});
