import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import type { TestPeer, TestPeers } from './test-peers.js';

const execFileAsync = promisify(execFile);

/** What a test gets from {@link startKubeCluster}: a real etcd + kube-apiserver on loopback. */
export interface KubeCluster {
  /** `https://127.0.0.1:<port>` of the API server. */
  url: string;
  /** The cluster CA that signed the serving certificate, as a file and as PEM. */
  caFile: string;
  caPem: string;
  /** Static token of user `admin`, group `system:masters` (everything allowed). */
  adminToken: string;
  /** Static token of user `switchboard-agent`, a plain user with no rights until a test grants some. */
  agentToken: string;
  /** Temporary directory of this cluster (certificates, logs, kubeconfigs); removed by stop(). */
  dir: string;
  /** Absolute paths of the real kubectl and helm binaries built for the tests (helm throws if it was not built). */
  kubectlPath: string;
  readonly helmPath: string;
  /** Environment for kubectl/helm runs that keeps their caches in `dir` instead of $HOME. */
  toolEnv: NodeJS.ProcessEnv;
  /**
   * Writes a kubeconfig (server, CA data, this bearer token, default namespace `default`) into
   * `dir` and returns its path.
   */
  kubeconfigFor(token: string): Promise<string>;
  /** Runs the real kubectl with `--kubeconfig` for `token` (admin by default). Never throws on exit codes. */
  kubectl(args: string[], options?: ToolRunOptions): Promise<ToolResult>;
  /** Runs the real helm the same way. */
  helm(args: string[], options?: ToolRunOptions): Promise<ToolResult>;
  /** Stops the API server then etcd, and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ToolRunOptions {
  /** Bearer token for the kubeconfig; the admin token when omitted. */
  token?: string;
  /** Text written to the tool's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface StartKubeClusterOptions {
  /** Built peers; by default those the vitest global setup provides as `testPeers`. */
  peers?: TestPeers;
  /** Extra kube-apiserver flags (`--name=value`), appended last so they win. */
  apiServerFlags?: string[];
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// A test process that dies without calling stop() must not leave an API server and etcd behind
// holding ports and CPU: kill whatever is still running when the worker exits.
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function openssl(dir: string, args: string[]): Promise<void> {
  await execFileAsync('openssl', args, { cwd: dir });
}

// The CA, a serving certificate for 127.0.0.1/localhost, and the service-account signing key pair.
async function makePki(dir: string): Promise<void> {
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'ca.key']);
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'ca.key',
    '-subj',
    '/CN=switchboard-test-ca',
    '-days',
    '2',
    '-out',
    'ca.crt',
  ]);
  await openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'apiserver.key']);
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    'apiserver.key',
    '-subj',
    '/CN=kube-apiserver',
    '-out',
    'apiserver.csr',
  ]);
  await writeFile(
    join(dir, 'apiserver.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\n' +
      'extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'apiserver.ext',
    '-out',
    'apiserver.crt',
  ]);
  await openssl(dir, ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key']);
  await openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function randomToken(): string {
  return randomBytes(24).toString('hex');
}

// setpriv (util-linux) sets the parent-death signal before exec: a test worker that is killed
// outright, which runs no exit hook, still takes its etcd and API server with it.
const setpriv = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : undefined;

function startProcess(binary: string, args: string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const [command, argv] = setpriv
    ? [setpriv, ['--pdeathsig', 'KILL', '--', binary, ...args]]
    : [binary, args];
  const child = spawn(command, argv, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-30).join('\n');
}

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function httpsGet(url: string, caPem: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca: caPem, headers: { authorization: `Bearer ${token}` }, timeout: 2000 },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => {
          body += d.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

// Waits until `probe` resolves true, failing early when `child` exits, with the log's tail.
async function waitReady(
  what: string,
  child: ChildProcess,
  logFile: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${what} exited (${child.signalCode ?? child.exitCode}) before it was ready; log ${logFile}:\n${await logTail(logFile)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what} not ready after ${timeoutMs} ms; log ${logFile}:\n${await logTail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Path of a built test peer's binary; throws naming the build command when it is missing. */
export function peer(peers: TestPeers, name: string, binary: string): string {
  if ('error' in peers) throw new Error(peers.error);
  const found: TestPeer | undefined = peers.peers[name];
  const path = found?.binaries[binary];
  if (!path)
    throw new Error(`test peer ${name}/${binary} was not built; run node scripts/test-peers/build.mjs`);
  return path;
}

/** Runs a tool with `input` on stdin; resolves whatever the exit status. */
export function runTool(
  binary: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/**
 * Starts etcd and kube-apiserver on free loopback ports with a fresh CA, serving certificate,
 * service-account keys and static tokens (`admin` in system:masters, plain `switchboard-agent`),
 * authorization Node,RBAC, and the ServiceAccount admission plugin off (no controller-manager
 * creates the `default` ServiceAccount, so Pods would be refused). There is no scheduler,
 * kubelet or controller-manager: Pods stay Pending and Deployments get no ReplicaSets; tests
 * create core/v1 Events themselves where a kubelet would. Resolves once /readyz answers 200
 * (a few seconds); call stop() in afterAll.
 */
export async function startKubeCluster(options: StartKubeClusterOptions = {}): Promise<KubeCluster> {
  const peers = options.peers ?? inject('testPeers');
  const etcdPath = peer(peers, 'etcd', 'etcd');
  const apiServerPath = peer(peers, 'kubernetes', 'kube-apiserver');
  const kubectlPath = peer(peers, 'kubernetes', 'kubectl');
  // helm is resolved on first use, so a cluster starts even where only helm failed to build.
  const helmPath = (() => {
    try {
      return peer(peers, 'helm', 'helm');
    } catch (err) {
      return err as Error;
    }
  })();
  installExitHook();

  const dir = await mkdtemp(join(tmpdir(), 'sb-kube-'));
  const children: ChildProcess[] = [];
  const stopAll = async () => {
    for (const child of children.reverse()) await stopProcess(child, 10_000);
    children.length = 0;
  };
  try {
    await makePki(dir);
    const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
    const adminToken = randomToken();
    const agentToken = randomToken();
    await writeFile(
      join(dir, 'tokens.csv'),
      `${adminToken},admin,uid-admin,"system:masters"\n${agentToken},switchboard-agent,uid-switchboard-agent\n`,
    );

    const [clientPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const etcdLog = join(dir, 'etcd.log');
    const etcd = startProcess(
      etcdPath,
      [
        '--name=switchboard-test',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=switchboard-test=http://127.0.0.1:${peerPort}`,
        // Test data is thrown away: skipping fsync keeps a loaded 2-core machine responsive.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      etcdLog,
    );
    children.push(etcd);
    await waitReady('etcd', etcd, etcdLog, 30_000, async () => {
      const res = await fetch(`${etcdUrl}/health`);
      return res.ok;
    });

    const url = `https://127.0.0.1:${apiPort}`;
    const apiLog = join(dir, 'kube-apiserver.log');
    const apiServer = startProcess(
      apiServerPath,
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        // The endpoint reconciler refuses a loopback advertise address; nothing here needs the
        // default/kubernetes Endpoints it maintains.
        '--endpoint-reconciler-type=none',
        `--secure-port=${apiPort}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${join(dir, 'apiserver.crt')}`,
        `--tls-private-key-file=${join(dir, 'apiserver.key')}`,
        `--client-ca-file=${join(dir, 'ca.crt')}`,
        `--token-auth-file=${join(dir, 'tokens.csv')}`,
        '--authorization-mode=Node,RBAC',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--disable-admission-plugins=ServiceAccount',
        '--profiling=false',
        '--v=0',
        ...(options.apiServerFlags ?? []),
      ],
      apiLog,
    );
    children.push(apiServer);
    await waitReady('kube-apiserver', apiServer, apiLog, 90_000, async () => {
      const res = await httpsGet(`${url}/readyz`, caPem, adminToken);
      return res.status === 200;
    });

    const toolEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      KUBECACHEDIR: join(dir, 'kube-cache'),
      HELM_CACHE_HOME: join(dir, 'helm', 'cache'),
      HELM_CONFIG_HOME: join(dir, 'helm', 'config'),
      HELM_DATA_HOME: join(dir, 'helm', 'data'),
    };
    const kubeconfigs = new Map<string, string>();
    const kubeconfigFor = async (token: string): Promise<string> => {
      const existing = kubeconfigs.get(token);
      if (existing) return existing;
      const file = join(dir, `kubeconfig-${kubeconfigs.size}.yaml`);
      const ca = Buffer.from(caPem).toString('base64');
      await writeFile(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          '- name: test',
          `  cluster: {server: "${url}", certificate-authority-data: "${ca}"}`,
          'users:',
          '- name: test',
          `  user: {token: "${token}"}`,
          'contexts:',
          '- name: test',
          '  context: {cluster: test, user: test, namespace: default}',
          'current-context: test',
          '',
        ].join('\n'),
        { mode: 0o600 },
      );
      kubeconfigs.set(token, file);
      return file;
    };

    let stopped = false;
    return {
      url,
      caFile: join(dir, 'ca.crt'),
      caPem,
      adminToken,
      agentToken,
      dir,
      kubectlPath,
      get helmPath() {
        if (helmPath instanceof Error) throw helmPath;
        return helmPath;
      },
      toolEnv,
      kubeconfigFor,
      async kubectl(args, run = {}) {
        const kubeconfig = await kubeconfigFor(run.token ?? adminToken);
        return runTool(kubectlPath, [`--kubeconfig=${kubeconfig}`, ...args], toolEnv, run.input);
      },
      async helm(args, run = {}) {
        const kubeconfig = await kubeconfigFor(run.token ?? adminToken);
        if (helmPath instanceof Error) throw helmPath;
        return runTool(helmPath, [`--kubeconfig=${kubeconfig}`, ...args], toolEnv, run.input);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopAll();
    // Keep the directory (logs) only when asked; a failed start otherwise leaks nothing.
    if (!process.env.SWITCHBOARD_KEEP_KUBE_DIR) await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
