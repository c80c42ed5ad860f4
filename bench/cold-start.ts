import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildPluginEnvironment } from '../src/plugins/host/environment.js';
import { createExecutorClient } from '../src/plugins/host/executor-client.js';
import { instanceHandle } from '../src/plugins/host/plugin-handle.js';
import { hostAppVersions, launchPlugin } from '../src/plugins/host/plugin-instance.js';
import { startPluginProcess } from '../src/plugins/host/process.js';
import { type BenchContext, type BenchResult, silentLogger, track } from './lib/context.js';
import { type Table, type TableRow, verdict } from './lib/report.js';
import { ms, ratio, type Summary, signedMs, summarize } from './lib/stats.js';

/** One timed start; `phases` are extra durations recorded for the same run (ms). */
interface Sample {
  ms: number;
  phases?: Record<string, number>;
}

interface Variant {
  id: string;
  label: string;
  /** The row whose p50 this row is divided by; null for a baseline row. */
  baseline: string | null;
  /** Highest passing ratio, for rows with a target. */
  target?: number;
  run(): Promise<Sample>;
}

const startTimeoutMs = 15_000;

/** The environment the host gives a plugin, built from `hostEnv` (bare node gets the same). */
function pluginEnv(hostEnv: NodeJS.ProcessEnv, privateDir: string): Record<string, string> {
  return buildPluginEnvironment({
    hostEnv,
    privateDir,
    dependencyDir: join(privateDir, 'deps'),
    appVersions: hostAppVersions,
  });
}

/** `node -e ''`: the floor for any Node program, spawned with the plugin's stdio, process group and environment. */
async function nodeSpawnExit(hostEnv: NodeJS.ProcessEnv): Promise<Sample> {
  const env = pluginEnv(hostEnv, tmpdir());
  const start = performance.now();
  const child = spawn(process.execPath, ['-e', ''], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env,
  });
  child.stdout?.resume();
  child.stderr?.resume();
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`node -e '' exited with code ${code}`)),
    );
  });
  return { ms: performance.now() - start };
}

/** Spawn → handshake line on stdout (what the host's process layer sees), then SIGKILL. */
async function spawnToHandshake(binary: string, hostEnv: NodeJS.ProcessEnv): Promise<Sample> {
  const privateDir = await mkdtemp(join(tmpdir(), 'sbb-'));
  try {
    const env = pluginEnv(hostEnv, privateDir);
    const start = performance.now();
    const proc = await startPluginProcess({
      name: 'bench/handshake',
      binary,
      env,
      startTimeoutMs,
      acceptedAppVersions: hostAppVersions,
      onLog: () => {},
    });
    const elapsed = performance.now() - start;
    proc.signalGroup('SIGKILL');
    await proc.exited;
    return { ms: elapsed };
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }
}

/**
 * Through the host: launchPlugin (private dir, env, AutoMTLS material, spawn,
 * handshake, channel ready) and one Metadata call. Shutdown is timed separately.
 */
async function launchAndFirstCall(
  binary: string,
  autoMtls: boolean,
  hostEnv: NodeJS.ProcessEnv,
): Promise<Sample> {
  const start = performance.now();
  const instance = track(
    await launchPlugin({
      name: 'bench/cold',
      binary,
      logger: silentLogger,
      autoMtls,
      startTimeoutMs,
      hostEnv,
    }),
  );
  const ready = performance.now() - start;
  try {
    const metadata = await createExecutorClient(instanceHandle(instance)).metadata({ deadlineMs: 10_000 });
    const total = performance.now() - start;
    if (metadata.version === '') throw new Error('first call returned empty metadata');
    const stopStart = performance.now();
    await instance.stop();
    return {
      ms: total,
      phases: { ready, firstCall: total - ready, shutdown: performance.now() - stopStart },
    };
  } catch (err) {
    await instance.kill();
    throw err;
  }
}

/**
 * Writes the V8 code cache of the CommonJS experiment: starts the loader once as a
 * plugin (cookie and all) with SB_BENCH_WRITE_CODE_CACHE set, so it serializes
 * the code compiled during start-up and exits. Returns the cache size in bytes.
 */
async function prepareCodeCache(
  loader: string,
  cacheFile: string,
  hostEnv: NodeJS.ProcessEnv,
): Promise<number> {
  await rm(cacheFile, { force: true });
  const privateDir = await mkdtemp(join(tmpdir(), 'sbb-'));
  try {
    const env = { ...pluginEnv(hostEnv, privateDir), SB_BENCH_WRITE_CODE_CACHE: '1' };
    const child = spawn(loader, [], { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`code cache writer exited with code ${code}: ${stderr.slice(-500)}`);
    return (await stat(cacheFile)).size;
  } finally {
    await rm(privateDir, { recursive: true, force: true });
  }
}

export async function coldStart(ctx: BenchContext): Promise<BenchResult> {
  const runs = ctx.quick ? 6 : 20;
  const { fixtures } = ctx;
  const goBinary = 'executor' in ctx.go ? ctx.go.executor : undefined;
  // NODE_EXTRA_CA_CERTS is on the host's default allow list; when set, every Node
  // process parses that bundle at start-up. The main rows run without it (both the
  // baseline and the plugins); a pair of rows shows its cost when the host has it.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
  delete cleanEnv.NODE_EXTRA_CA_CERTS;
  const hostEnv: NodeJS.ProcessEnv = process.env;

  const variants: Variant[] = [
    { id: 'node-exit', label: "node -e '' spawn → exit", baseline: null, run: () => nodeSpawnExit(cleanEnv) },
    {
      id: 'node-handshake',
      label: 'node script, spawn → handshake line (no gRPC)',
      baseline: 'node-exit',
      run: () => spawnToHandshake(fixtures.handshakeOnly, cleanEnv),
    },
    {
      id: 'grpc-handshake',
      label: 'node + bundled grpc-js load, spawn → handshake line',
      baseline: 'node-exit',
      run: () => spawnToHandshake(fixtures.grpcHandshake, cleanEnv),
    },
    {
      id: 'ts-handshake',
      label: 'TS plugin (SDK), spawn → handshake line',
      baseline: 'node-exit',
      run: () => spawnToHandshake(fixtures.executor, cleanEnv),
    },
    {
      id: 'ts-handshake-cjs',
      label: 'experiment: TS plugin as CJS bundle, spawn → handshake line',
      baseline: 'node-exit',
      run: () => spawnToHandshake(fixtures.executorCjs, cleanEnv),
    },
    {
      id: 'ts-handshake-code-cache',
      label: 'experiment: CJS bundle + V8 code cache, spawn → handshake line',
      baseline: 'node-exit',
      run: () => spawnToHandshake(fixtures.executorCodeCache, cleanEnv),
    },
    {
      id: 'ts-first-call',
      label: 'TS plugin via host → first call, mTLS off',
      baseline: 'node-exit',
      target: 1.3,
      run: () => launchAndFirstCall(fixtures.executor, false, cleanEnv),
    },
    {
      id: 'ts-first-call-mtls',
      label: 'TS plugin via host → first call, mTLS on',
      baseline: 'node-exit',
      run: () => launchAndFirstCall(fixtures.executor, true, cleanEnv),
    },
  ];
  if (goBinary) {
    variants.push(
      {
        id: 'go-first-call',
        label: 'Go plugin via host → first call, mTLS off',
        baseline: 'node-exit',
        run: () => launchAndFirstCall(goBinary, false, cleanEnv),
      },
      {
        id: 'go-first-call-mtls',
        label: 'Go plugin via host → first call, mTLS on',
        baseline: 'node-exit',
        run: () => launchAndFirstCall(goBinary, true, cleanEnv),
      },
    );
  }
  if (extraCa) {
    variants.push(
      {
        id: 'node-exit-extra-ca',
        label: "node -e '' spawn → exit, NODE_EXTRA_CA_CERTS set",
        baseline: null,
        run: () => nodeSpawnExit(hostEnv),
      },
      {
        id: 'ts-first-call-extra-ca',
        label: 'TS plugin via host → first call, mTLS off, NODE_EXTRA_CA_CERTS set',
        baseline: 'node-exit-extra-ca',
        target: 1.3,
        run: () => launchAndFirstCall(fixtures.executor, false, hostEnv),
      },
    );
  }

  const codeCacheBytes = await prepareCodeCache(
    fixtures.executorCodeCache,
    join(dirname(fixtures.executorCodeCache), 'executor-fixture.cjs.v8cache'),
    cleanEnv,
  );

  // One untimed round warms the page cache, then rounds interleave every variant
  // (rotating the order) so drift on the shared 2 vCPUs hits all of them alike.
  for (const v of variants) await v.run();
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.id, []]));
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(round + i) % variants.length] as Variant;
      samples.get(v.id)?.push(await v.run());
    }
  }

  const summaries: Record<string, Summary> = {};
  const phaseSummaries: Record<string, Record<string, Summary>> = {};
  for (const v of variants) {
    const list = samples.get(v.id) ?? [];
    summaries[v.id] = summarize(list.map((s) => s.ms));
    const phaseNames = Object.keys(list[0]?.phases ?? {});
    if (phaseNames.length > 0) {
      phaseSummaries[v.id] = Object.fromEntries(
        phaseNames.map((p) => [p, summarize(list.map((s) => s.phases?.[p] ?? Number.NaN))]),
      );
    }
  }
  const p50 = (id: string) => summaries[id]?.p50 ?? Number.NaN;
  const diff = (id: string, from: string) => signedMs(p50(id) - p50(from));
  const phase = (id: string, name: string) => phaseSummaries[id]?.[name]?.p50 ?? Number.NaN;

  const checks: Record<string, { ratio: number; target: number; pass: boolean }> = {};
  const rows: TableRow[] = variants.map((v) => {
    const s = summaries[v.id] as Summary;
    const row: TableRow = {
      measurement: v.label,
      central: ms(s.p50),
      spread: ms(s.p90),
      max: ms(s.max),
      baseline: v.baseline ? ms(p50(v.baseline)) : '(baseline)',
      ratio: v.baseline ? ratio(s.p50 / p50(v.baseline)) : '1.00×',
      target: '',
      result: 'info',
    };
    if (v.baseline && v.target !== undefined) {
      const r = s.p50 / p50(v.baseline);
      checks[v.id] = { ratio: r, target: v.target, pass: r <= v.target };
      row.target = `≤ ${v.target.toFixed(2)}×`;
      row.result = verdict(r <= v.target);
    }
    return row;
  });
  if (!goBinary) {
    rows.push({
      measurement: 'Go plugin via host → first call (skipped, see below)',
      central: '-',
      spread: '-',
      max: '-',
      baseline: '-',
      ratio: '-',
      target: '',
      result: 'SKIP',
    });
  }

  const notes = [
    `${runs} timed runs per row after one warm-up round; rows interleaved. ratio = row p50 / its baseline's p50.`,
    'Every process gets the environment the host builds for plugins; the main rows drop NODE_EXTRA_CA_CERTS from it.',
    `TS plugin, mTLS off, p50 split: launchPlugin ready ${ms(phase('ts-first-call', 'ready'))} + first Metadata call ${ms(phase('ts-first-call', 'firstCall'))}; Shutdown → exit ${ms(phase('ts-first-call', 'shutdown'))} (not in the total).`,
    `p50 steps: ESM script printing the line vs node -e '' ${diff('node-handshake', 'node-exit')}; + grpc-js load ${diff('grpc-handshake', 'node-handshake')}; + SDK, protobuf-es, server bind ${diff('ts-handshake', 'grpc-handshake')}; + host connect and first call ${diff('ts-first-call', 'ts-handshake')}.`,
    `Experiments (same fixture, bundled here as ESM; plugin build's shipped form, with its code cache, is measured by bench/ts-plugin-footprint.mjs), spawn → handshake p50: CommonJS bundle vs the ESM bundle ${diff('ts-handshake-cjs', 'ts-handshake')}; CJS + V8 code cache (${Math.round(codeCacheBytes / 1024)} KiB, written once by this run) vs the ESM bundle ${diff('ts-handshake-code-cache', 'ts-handshake')}.`,
    `AutoMTLS on the TS plugin: ${diff('ts-first-call-mtls', 'ts-first-call')} at p50 (a P-256 key and certificate on each side, TLS handshake).`,
  ];
  if (goBinary) {
    notes.push(
      `Go plugin (go-plugin 1.0.1, static binary): AutoMTLS ${diff('go-first-call-mtls', 'go-first-call')} at p50.`,
    );
  } else {
    notes.push(`Go reference rows skipped: ${'error' in ctx.go ? ctx.go.error : 'not built'}`);
  }
  if (extraCa) {
    notes.push(
      `NODE_EXTRA_CA_CERTS=${extraCa} (set on this machine, allow-listed to plugins) costs ${diff('node-exit-extra-ca', 'node-exit')} on every Node start.`,
    );
  }

  const table: Table = {
    title: 'Cold start: spawn → handshake → first answered call',
    centralHeader: 'p50',
    spreadHeader: 'p90',
    rows,
    notes,
  };
  const headline = checks['ts-first-call'];
  return {
    tables: [table],
    data: {
      runs,
      nodeExtraCaCerts: extraCa ?? null,
      codeCacheBytes,
      summaries,
      phases: phaseSummaries,
      samples: Object.fromEntries([...samples].map(([id, list]) => [id, list.map((s) => s.ms)])),
      checks,
      ratio: headline?.ratio,
      target: 1.3,
      pass: headline?.pass,
    },
  };
}
