import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileCursorStore } from '../src/app/source-cursors.js';
import { cursorKeeper } from '../src/app/source-wiring.js';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { launchPlugin, type PluginInstance } from '../src/plugins/host/plugin-instance.js';
import { createSourceClient } from '../src/plugins/host/source-client.js';
import { type BenchContext, type BenchResult, silentLogger, track } from './lib/context.js';
import { type Table, verdict } from './lib/report.js';
import { perSecond, ratio, summarize } from './lib/stats.js';
import { streamCall } from './stream-throughput.js';

/**
 * Issue 20, stream cursors: what a cursor on every event costs the agent's stream path. Paired
 * in one plugin process: the SDK source fixture's events read with `each` (the agent's path)
 * without cursors, and with a cursor on every event handed to the agent's cursor keeper over the
 * file store (write-behind, one write a second) — the whole per-event cost a resumable source adds.
 */
export async function streamCursorsBench(ctx: BenchContext): Promise<BenchResult> {
  const count = 50_000;
  const rounds = ctx.quick ? 2 : 5;
  const dir = await mkdtemp(join(tmpdir(), 'sb-bench-cursors-'));
  const instance: PluginInstance = track(
    await launchPlugin({ name: 'bench/source', binary: ctx.fixtures.source, logger: silentLogger }),
  );
  const client = createSourceClient(instanceHandle(instance));
  const store = createFileCursorStore({ path: join(dir, 'cursors.json'), logger: silentLogger });
  const keeper = cursorKeeper({ store, outbox: { send: async () => undefined }, logger: silentLogger });
  const plain = streamCall(count);
  const withCursors = {
    ...plain,
    config: new TextEncoder().encode(`${new TextDecoder().decode(plain.config)}cursors: true\n`),
  };
  const run = async (cursors: boolean, n = count): Promise<number> => {
    const call = cursors ? withCursors : plain;
    let events = 0;
    let last = '';
    const start = performance.now();
    await client.each({ ...call, config: call.config }, (_event, cursor) => {
      events++;
      if (cursor) {
        keeper.delivered('bench', cursor);
        last = cursor;
      }
    });
    const seconds = (performance.now() - start) / 1000;
    if (events !== n) throw new Error(`stream ended after ${events} of ${n} events`);
    if (cursors && last !== String(n)) throw new Error(`last cursor ${last}, expected ${n}`);
    return events / seconds;
  };
  try {
    await run(false);
    await run(true);
    const rates = { plain: [] as number[], cursors: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? [false, true] : [true, false];
      for (const cursors of order) (cursors ? rates.cursors : rates.plain).push(await run(cursors));
    }
    await store.flush();
    const base = summarize(rates.plain);
    const ours = summarize(rates.cursors);
    const r = ours.p50 / base.p50;
    const target = 0.85;
    const table: Table = {
      title: `Stream cursors: ${count.toLocaleString('en-US')} events through each(), without and with a cursor per event`,
      centralHeader: 'median',
      spreadHeader: 'min',
      rows: [
        {
          measurement: 'each(), events without cursors',
          central: perSecond(base.p50),
          spread: perSecond(base.min),
          max: perSecond(base.max),
          baseline: '(baseline)',
          ratio: ratio(1),
          target: '',
          result: 'info',
        },
        {
          measurement: 'each(), a cursor per event, cursor keeper + file store',
          central: perSecond(ours.p50),
          spread: perSecond(ours.min),
          max: perSecond(ours.max),
          baseline: perSecond(base.p50),
          ratio: ratio(r),
          target: `≥ ${target.toFixed(2)}×`,
          result: verdict(r >= target),
        },
      ],
      notes: [
        `${rounds} timed stream(s) per row after a warm-up of each, rows alternated; one TS source fixture process (intervalMs 0, ~256 B events); the cursor is the event number (1-6 characters).`,
        'The keeper stores each cursor after the outbox says its event is durable; here the outbox stores nothing (resolves at once), so the row measures the cursor field, the keeper and the write-behind store, not a queue write.',
      ],
    };
    return {
      tables: [table],
      data: { count, rounds, plain: base, cursors: ours, ratio: r, target, pass: r >= target },
    };
  } finally {
    await store.close();
    await instance.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
