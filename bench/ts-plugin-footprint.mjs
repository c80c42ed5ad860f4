#!/usr/bin/env node
// Cold start and idle memory of a TypeScript plugin as `plugin build` ships it, side by side with
// bare Node and a Go plugin, in one run: `npm run build && node bench/ts-plugin-footprint.mjs [runs]
// [--compare <program>]…`. Each --compare adds a row for another plugin program under the same cache
// name scheme, e.g. the echo plugin of an earlier build (tar -xzf
// <old>/dist/plugins/executor_echo_linux_amd64.tar.gz), for before/after in one run.
//
// Rows are interleaved (one of each per round) so a machine loaded by other work slows them alike.
// "first answer" is spawn, handshake, channel ready and one Metadata call (or, in the "command"
// rows, the chat command the agent would send first: descriptors are built on first use, so
// those rows show that nothing was only moved from start to first call) through the host (launchPlugin, AutoMTLS off and on). The shipped program carries a V8 code cache
// (program-pack.ts); the "no code cache" row is the same program built with --no-code-cache, and
// the small-heap rows change V8 flags, which makes V8 reject the cache. Idle memory is read from /proc 1 s after
// that answer: VmRSS; Pss (pages shared with other processes, such as the node binary's, split
// between the sharers); USS (private pages: what stopping the plugin gives back). CPU is the
// process's CPU time at that moment, against an idle bare node's 1 s after its start.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repoRoot = new URL('..', import.meta.url).pathname;
const dist = (path) => import(join(repoRoot, 'dist', path));
const { launchPlugin } = await dist('plugins/host/plugin-instance.js');
const { instanceHandle } = await dist('plugins/host/plugin-handle.js');
const { createExecutorClient } = await dist('plugins/host/executor-client.js');
const { bundlePluginProgram } = await dist('plugins/publish/build-plugins.js');
const { createRootLogger } = await dist('log/logger.js');

const runs = Number(process.argv[2]?.startsWith('--') ? 10 : (process.argv[2] ?? 10));
const logger = createRootLogger({ level: 'silent' });
const scratch = await mkdtemp(join(tmpdir(), 'sb-footprint-'));
// The shipped form, under its cache name (so the host's Node launch path is the one measured).
const build = (codeCache) =>
  bundlePluginProgram(
    join(repoRoot, 'plugins/echo/main.ts'),
    repoRoot,
    join(scratch, 'echo.mjs'),
    'executor echo',
    {
      codeCache,
    },
  );
const program = await build(true);
const tsPlugin = join(scratch, 'executor_v0.1.0_echo');
await writeFile(tsPlugin, program, { mode: 0o755 });
const programNoCache = await build(false);
const tsPluginNoCache = join(scratch, 'executor_v0.1.0_echonocache');
await writeFile(tsPluginNoCache, programNoCache, { mode: 0o755 });
// Each --compare <program> (repeatable) is installed like the shipped one and gets its own row.
const comparePlugins = [];
for (let i = 0; i < process.argv.length; i++) {
  if (process.argv[i] !== '--compare') continue;
  const source = process.argv[i + 1];
  if (!source) throw new Error('--compare needs the path of a plugin program');
  const path = join(scratch, `executor_v0.1.0_echocompare${comparePlugins.length}`);
  await writeFile(path, await readFile(source), { mode: 0o755 });
  comparePlugins.push({ source, path, size: (await readFile(path)).length });
}
const sizes = { ts: program.length, noCache: programNoCache.length };
const goPlugin = join(repoRoot, '.cache/fixtures/go/executor_goecho');
const haveGo = await readFile(goPlugin).then(
  () => true,
  () => false,
);

const env = { PATH: process.env.PATH ?? '' };

function bareNode() {
  const start = performance.now();
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore', detached: true, env });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => resolve({ ms: performance.now() - start }));
  });
}

/** Memory floor: a Node process doing nothing, read like the plugins (1 s after start). */
async function idleNode() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore', env });
  await new Promise((r) => setTimeout(r, 1000));
  const memory = await memoryOf(child.pid);
  child.kill('SIGKILL');
  return { ms: Number.NaN, ...memory };
}

async function memoryOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  const uss = kib(rollup, 'Private_Clean') + kib(rollup, 'Private_Dirty');
  // CPU time of all the process's threads so far (user + system, clock ticks of 10 ms): read 1 s
  // after start, it is what starting (and one call) cost, which time-slicing on a loaded machine
  // does not inflate the way it inflates wall time.
  const stat = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  const cpuMs = (Number(stat[11]) + Number(stat[12])) * 10;
  return {
    rssMiB: kib(status, 'VmRSS') / 1024,
    pssMiB: kib(rollup, 'Pss') / 1024,
    ussMiB: uss / 1024,
    cpuMs,
  };
}

const commandCall = {
  command: 'echo cold start',
  configs: [new TextEncoder().encode('prefix: ""\n')],
  context: { interactive: true, incomingWebhookBaseUrl: '' },
};

function pluginRow(binary, options) {
  return async () => {
    const start = performance.now();
    const instance = await launchPlugin({
      name: 'bench/footprint',
      binary,
      logger,
      autoMtls: options.autoMtls,
      startTimeoutMs: 15_000,
      hostEnv: env,
      envExtra: options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {},
    });
    try {
      const client = createExecutorClient(instanceHandle(instance));
      if (options.command) {
        // What the agent does for a chat command: its first call to an executor.
        let text = '';
        for await (const chunk of client.executeStreaming(commandCall, { deadlineMs: 10_000 }))
          if (chunk.kind === 'message') text += Buffer.from(chunk.message).toString('utf8');
        if (!text.includes('cold start')) throw new Error(`unexpected answer ${text}`);
      } else {
        const metadata = await client.metadata({ deadlineMs: 10_000 });
        if (metadata.version === '') throw new Error('empty metadata');
      }
      const ms = performance.now() - start;
      await new Promise((r) => setTimeout(r, 1000));
      return { ms, ...(await memoryOf(instance.pid)) };
    } finally {
      await instance.stop();
    }
  };
}

const rows = [
  { id: 'node', label: "bare node -e '' (spawn → exit)", run: bareNode },
  { id: 'node-idle', label: 'bare node, idle (memory floor)', run: idleNode },
  { id: 'ts', label: 'TS plugin, mTLS off', run: pluginRow(tsPlugin, { autoMtls: false }) },
  { id: 'ts-mtls', label: 'TS plugin, mTLS on', run: pluginRow(tsPlugin, { autoMtls: true }) },
  {
    id: 'ts-no-cache',
    label: 'TS plugin without code cache, mTLS off',
    run: pluginRow(tsPluginNoCache, { autoMtls: false }),
  },
  ...comparePlugins.map((c, i) => ({
    id: `compare${i}`,
    label: `--compare ${c.source}, mTLS off`,
    run: pluginRow(c.path, { autoMtls: false }),
  })),
  {
    id: 'ts-command',
    label: 'TS plugin, mTLS off, first call a command (ExecuteStream) instead of Metadata',
    run: pluginRow(tsPlugin, { autoMtls: false, command: true }),
  },
  ...comparePlugins.slice(0, 1).map((c) => ({
    id: 'compare-command',
    label: `--compare ${c.source}, mTLS off, first call a command`,
    run: pluginRow(c.path, { autoMtls: false, command: true }),
  })),
  {
    id: 'ts-small-heap',
    label: 'TS plugin, mTLS off, --max-semi-space-size=1',
    run: pluginRow(tsPlugin, { autoMtls: false, nodeOptions: '--max-semi-space-size=1' }),
  },
  {
    id: 'ts-small-heap-pool',
    label: 'TS plugin, mTLS off, --max-semi-space-size=1 --v8-pool-size=1',
    run: pluginRow(tsPlugin, { autoMtls: false, nodeOptions: '--max-semi-space-size=1 --v8-pool-size=1' }),
  },
  ...(haveGo
    ? [{ id: 'go', label: 'Go plugin, mTLS off', run: pluginRow(goPlugin, { autoMtls: false }) }]
    : []),
];

/*
 * CPU time to the handshake line, without the host: the plugin's own start, which load on the
 * machine inflates far less than wall time. The program runs under the handshake cookie behind a
 * wrapper that reports process.cpuUsage() when the handshake line is written. "floor" is a script
 * that only loads node:http2 and listens, what any HTTP/2 plugin server pays.
 */
const cpuWrapper = `const fs = require('node:fs'); const write = fs.writeSync;
fs.writeSync = function (fd, ...rest) {
  if (fd === 1) { const u = process.cpuUsage(); write.call(fs, 2, 'CPU ' + (u.user + u.system) / 1000 + '\\n'); process.exit(0); }
  return write.call(fs, fd, ...rest);
};
require(require('node:path').resolve(process.argv[1]));`;
const floorScript = join(scratch, 'http2-floor.js');
await writeFile(
  floorScript,
  `const s = require('node:http2').createServer({}); s.listen(require('node:path').join(${JSON.stringify(scratch)}, 'floor' + process.pid), () => require('node:fs').writeSync(1, 'handshake\\n'));\n`,
);
const { magicCookieKey, magicCookieValue } = await dist('contract/handshake.js');
const cookieEnv = { ...env, [magicCookieKey]: magicCookieValue, PLUGIN_PROTOCOL_VERSIONS: '3' };
function cpuToHandshake(program) {
  const args = program
    ? ['-e', cpuWrapper, program]
    : [
        '-e',
        "process.stderr.write('CPU ' + (process.cpuUsage().user + process.cpuUsage().system) / 1000 + '\\n')",
      ];
  const out = spawnSync(process.execPath, args, { env: cookieEnv, encoding: 'utf8' });
  const cpu = /CPU (\S+)/.exec(out.stderr ?? '');
  if (!cpu) throw new Error(`no CPU line from ${program ?? 'node'}: ${out.stderr}`);
  return Number(cpu[1]);
}
const cpuRows = [
  { label: "bare node -e '' (CPU at the end of its script)", program: undefined },
  { label: 'floor: node:http2 loaded and listening', program: floorScript },
  { label: 'TS plugin (shipped)', program: tsPlugin },
  { label: 'TS plugin without code cache', program: tsPluginNoCache },
  ...comparePlugins.map((c) => ({ label: `--compare ${c.source}`, program: c.path })),
];
const cpuSamples = cpuRows.map(() => []);
for (let i = 0; i < runs * 2; i++) {
  for (const [j, r] of cpuRows.entries()) cpuSamples[j].push(cpuToHandshake(r.program));
}

const samples = new Map(rows.map((r) => [r.id, []]));
// One warm-up round, not counted: file cache and first-ever compile of the host path.
for (const row of rows) await row.run();
for (let i = 0; i < runs; i++) for (const row of rows) samples.get(row.id).push(await row.run());
await rm(scratch, { recursive: true, force: true });

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const base = median(samples.get('node').map((s) => s.ms));
const idleSamples = samples.get('node-idle');
const cpuBase = idleSamples.reduce((sum, x) => sum + x.cpuMs, 0) / idleSamples.length;
const lines = [
  `runs per row: ${runs} (interleaved, after one warm-up round); node ${process.version}`,
  `program size: shipped ${(sizes.ts / 1024).toFixed(0)} KiB, without code cache ${(sizes.noCache / 1024).toFixed(0)} KiB${comparePlugins.map((c) => `, ${c.source} ${(c.size / 1024).toFixed(0)} KiB`).join('')}`,
  '',
  '| row | first answer p50 | vs bare node | CPU mean | vs idle node CPU | idle VmRSS p50 | idle Pss p50 | idle USS p50 |',
  '| :-- | --: | --: | --: | --: | --: | --: | --: |',
];
for (const row of rows) {
  const s = samples.get(row.id);
  const ms = median(s.map((x) => x.ms));
  const mem = (key) => (s[0][key] === undefined ? '-' : `${median(s.map((x) => x[key])).toFixed(1)} MiB`);
  // A mean, not a median: 10 ms ticks make medians of a few runs jump.
  const cpu = s[0].cpuMs === undefined ? undefined : s.reduce((sum, x) => sum + x.cpuMs, 0) / s.length;
  lines.push(
    `| ${row.label} | ${Number.isNaN(ms) ? '-' : `${ms.toFixed(1)} ms`} | ${row.id === 'node' ? '(baseline)' : Number.isNaN(ms) ? '-' : `${(ms / base).toFixed(2)}×`} | ${cpu === undefined ? '-' : `${cpu.toFixed(0)} ms`} | ${cpu === undefined ? '-' : row.id === 'node-idle' ? '(baseline)' : `${(cpu / cpuBase).toFixed(2)}×`} | ${mem('rssMiB')} | ${mem('pssMiB')} | ${mem('ussMiB')} |`,
  );
}
lines.push(
  '',
  `CPU to the handshake line, ${runs * 2} runs each, interleaved:`,
  '',
  '| program | CPU p50 |',
  '| :-- | --: |',
);
for (const [j, r] of cpuRows.entries()) lines.push(`| ${r.label} | ${median(cpuSamples[j]).toFixed(1)} ms |`);
process.stdout.write(`${lines.join('\n')}\n`);
