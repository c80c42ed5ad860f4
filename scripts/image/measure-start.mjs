#!/usr/bin/env node
// Start time and memory of the quickstart run from a built image, as the image test runs it
// (root read-only, tmpfs state dir, HOME and /tmp, loopback-only network namespace, user 65532):
// time from spawning to the banner and to all three built-in plugins running (read from
// /status inside the namespace), the agent's VmRSS 2 s after that, and the wall time of
// `--version`. Images are measured in turns so machine load affects each alike.
// Usage (root): node scripts/image/measure-start.mjs <image> [<image>…] [--runs N]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const images = args;
if (images.length === 0 || !Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: measure-start.mjs <image> [<image>…] [--runs N (a positive integer)]\n');
  process.exit(2);
}

const buildah = (...a) =>
  execFileSync('buildah', ['--storage-driver', 'vfs', ...a], { encoding: 'utf8' }).trim();
const podScript = `set -e
r="$1"; shift
ip link set lo up
mount --bind "$r" "$r"
mount -o remount,bind,ro "$r"
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o uid=65532,gid=65532,mode=0700 tmpfs "$r/var/lib/switchboard"
mount -t tmpfs -o uid=65532,gid=65532,mode=0700 tmpfs "$r/home/nonroot"
exec env -i PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production HOME=/home/nonroot SWITCHBOARD_STATE_DIR=/var/lib/switchboard unshare --root="$r" --wd=/var/lib/switchboard --setuid 65532 --setgid 65532 "$@"
`;
// Runs in the agent's network namespace, polling /status until the three plugins run.
const poller = `const want=['switchboard/demo','switchboard/echo','switchboard/exec'];
(async()=>{for(;;){try{const s=await (await fetch('http://127.0.0.1:2114/status')).json();
const up=(s.plugins??[]).filter(p=>p.state==='running').map(p=>p.name);
if(want.every(n=>up.includes(n))){process.stdout.write(String(Date.now()));return}}catch{}
await new Promise(r=>setTimeout(r,25))}})()`;

const pod = (rootfs, command) => ['--mount', '--net', 'sh', '-c', podScript, 'pod', rootfs, ...command];
const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

async function quickstart(rootfs) {
  const t0 = Date.now();
  const agent = spawn('unshare', pod(rootfs, ['/usr/local/bin/node', '/app/bin/run.js', 'start']), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let banner = 0;
  let output = '';
  agent.stdout.on('data', (c) => {
    output += c;
    if (!banner && output.includes('2116/')) banner = Date.now();
  });
  agent.stderr.on('data', (c) => {
    output += c;
  });
  await new Promise((r) => setTimeout(r, 150)); // the namespace exists once unshare ran
  const polled = spawnSync('nsenter', [`--net=/proc/${agent.pid}/ns/net`, process.execPath, '-e', poller], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const ready = Number(polled.stdout);
  if (!ready) throw new Error(`the quickstart did not get ready:\n${output}${polled.stderr}`);
  while (!banner && agent.exitCode === null) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 2000));
  const rss = rssKiB(agent.pid) / 1024;
  const exited = new Promise((r) => agent.once('exit', r));
  agent.kill('SIGTERM');
  await exited;
  return { banner: banner - t0, ready: ready - t0, rss };
}

function version(rootfs) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('unshare', pod(rootfs, ['/usr/local/bin/node', '/app/bin/run.js', '--version']), {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const mounted = images.map((image) => {
  const container = buildah('from', '--pull-never', image);
  return { image, container, rootfs: buildah('mount', container), samples: [] };
});
try {
  for (let i = 0; i < runs; i++) {
    for (const m of mounted) m.samples.push({ ...(await quickstart(m.rootfs)), version: version(m.rootfs) });
  }
} finally {
  for (const m of mounted) {
    buildah('umount', m.container);
    buildah('rm', m.container);
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
process.stdout.write(`runs ${runs}, load average after: ${loadavg}\n`);
for (const m of mounted) {
  const col = (k, d = 0) =>
    `median ${median(m.samples.map((s) => s[k])).toFixed(d)} (${m.samples.map((s) => s[k].toFixed(d)).join(', ')})`;
  process.stdout.write(
    `${m.image}\n  --version wall ms: ${col('version')}\n  banner ms: ${col('banner')}\n  three plugins running ms: ${col('ready')}\n  agent VmRSS MiB (+2 s): ${col('rss', 1)}\n`,
  );
}
