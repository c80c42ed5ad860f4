import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImpersonationProxy, startImpersonationProxy } from '../../src/kube/impersonation-proxy.js';
import { type KubeCluster, startKubeCluster, type ToolResult } from '../support/kube-cluster.js';

/*
 * The impersonation proxy between plugins and the real API server: the agent's own credential
 * (the cluster's switchboard-agent user, allowed only to impersonate) stays in the proxy; each
 * plugin call gets a kubeconfig holding a short-lived proxy token bound to one identity, and the
 * real API server's RBAC decides what that identity may do.
 */

let cluster: KubeCluster;
let proxy: ImpersonationProxy;
let fileCounter = 0;

function ok(result: ToolResult): string {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function kubeconfigFile(text: string): Promise<string> {
  const file = join(cluster.dir, `plugin-kubeconfig-${fileCounter++}.yaml`);
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

/** kubectl as a plugin runs it: with only the kubeconfig the agent handed over. */
async function pluginKubectl(kubeconfig: string, args: string[]): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cluster.kubectlPath, [`--kubeconfig=${kubeconfig}`, ...args], {
      env: cluster.toolEnv,
    });
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
  });
}

/** A request to a proxy as a plugin would make it by hand: TLS verified with the proxy's certificate. */
function proxyRequest(
  target: ImpersonationProxy,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${target.url}${path}`, { ca: target.caPem, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => {
        body += d.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('upgrade', () => reject(new Error('the proxy upgraded the connection')));
    req.on('error', reject);
    req.end();
  });
}

const message = (res: { body: string }) => (JSON.parse(res.body) as { message: string }).message;

beforeAll(async () => {
  cluster = await startKubeCluster();
  // The agent may impersonate and nothing else: every right a plugin gets comes from the
  // impersonated identity's own bindings.
  ok(
    await cluster.kubectl([
      'create',
      'clusterrole',
      'switchboard-impersonator',
      '--verb=impersonate',
      '--resource=users,groups',
    ]),
  );
  ok(
    await cluster.kubectl([
      'create',
      'clusterrolebinding',
      'switchboard-impersonator',
      '--clusterrole=switchboard-impersonator',
      '--user=switchboard-agent',
    ]),
  );
  for (const ns of ['team-a', 'team-b']) ok(await cluster.kubectl(['create', 'namespace', ns]));
  // Not the built-in `view`: aggregated ClusterRoles stay empty without kube-controller-manager.
  ok(
    await cluster.kubectl([
      'create',
      'clusterrole',
      'chat-view',
      '--verb=get,list,watch',
      '--resource=pods,configmaps',
    ]),
  );
  ok(
    await cluster.kubectl([
      'create',
      'rolebinding',
      'viewers',
      '-n',
      'team-a',
      '--clusterrole=chat-view',
      '--group=chat-viewers',
    ]),
  );
  ok(await cluster.kubectl(['create', 'configmap', 'settings', '-n', 'team-a', '--from-literal=k=v']));
  proxy = await startImpersonationProxy({
    upstreamUrl: cluster.url,
    caPem: cluster.caPem,
    credentials: { token: cluster.agentToken },
  });
});

afterAll(async () => {
  await proxy?.close();
  await cluster?.stop();
});

describe('impersonation proxy against a real API server', () => {
  it('acts as the bound identity: allowed where its group is bound, refused elsewhere by the API server', async () => {
    const grant = proxy.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'test' });
    const kubeconfig = await kubeconfigFile(grant.kubeconfig);
    const whoami = JSON.parse(ok(await pluginKubectl(kubeconfig, ['auth', 'whoami', '-o', 'json'])));
    expect(whoami.status.userInfo.username).toBe('alice');
    expect(whoami.status.userInfo.groups).toContain('chat-viewers');

    expect(
      ok(await pluginKubectl(kubeconfig, ['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'name'])),
    ).toBe('configmap/settings\n');
    const elsewhere = await pluginKubectl(kubeconfig, ['get', 'configmaps', '-n', 'team-b']);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.stderr).toContain(
      'User "alice" cannot list resource "configmaps" in API group "" in the namespace "team-b"',
    );
    const write = await pluginKubectl(kubeconfig, ['delete', 'configmap', 'settings', '-n', 'team-a']);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain('User "alice" cannot delete resource "configmaps"');
    grant.revoke();
  });

  it('hands the plugin a kubeconfig with only the proxy URL and its own token', async () => {
    const grant = proxy.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'prod' });
    const kubeconfig = await kubeconfigFile(grant.kubeconfig);
    const raw = ok(await pluginKubectl(kubeconfig, ['config', 'view', '--raw', '-o', 'json']));
    const config = JSON.parse(raw);
    expect(config.clusters).toEqual([
      {
        name: 'prod',
        cluster: {
          server: proxy.url,
          'certificate-authority-data': Buffer.from(proxy.caPem).toString('base64'),
        },
      },
    ]);
    expect(config.users).toEqual([{ name: 'prod', user: { token: grant.token } }]);
    expect(config.contexts[0].context.namespace).toBe('default');
    expect(raw).not.toContain(cluster.agentToken);
    expect(raw).not.toContain(cluster.url);
    expect(raw).not.toContain(Buffer.from(cluster.caPem).toString('base64'));
    grant.revoke();
  });

  it('does not let a request carrying its own Impersonate-* headers escalate', async () => {
    const grant = proxy.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'test' });
    const kubeconfig = await kubeconfigFile(grant.kubeconfig);
    // kubectl sends Impersonate-User / Impersonate-Group for --as / --as-group.
    const asAdmin = JSON.parse(
      ok(
        await pluginKubectl(kubeconfig, [
          'auth',
          'whoami',
          '-o',
          'json',
          '--as=admin',
          '--as-group=system:masters',
        ]),
      ),
    );
    expect(asAdmin.status.userInfo.username).toBe('alice');
    expect(asAdmin.status.userInfo.groups).not.toContain('system:masters');
    const secrets = await pluginKubectl(kubeconfig, [
      'get',
      'secrets',
      '-A',
      '--as=admin',
      '--as-group=system:masters',
    ]);
    expect(secrets.code).not.toBe(0);
    expect(secrets.stderr).toContain('User "alice" cannot list resource "secrets"');

    // The same by hand, with front-proxy headers and a second Authorization on top.
    const res = await proxyRequest(proxy, '/api/v1/namespaces/team-b/secrets', {
      authorization: `Bearer ${grant.token}`,
      'impersonate-user': 'admin',
      'impersonate-group': 'system:masters',
      'x-remote-user': 'admin',
      'x-remote-group': 'system:masters',
    });
    expect(res.status).toBe(403);
    expect(message(res)).toContain('User "alice" cannot list resource "secrets"');
    grant.revoke();
  });

  it('refuses a revoked token, an expired token, no token and the agent token itself', async () => {
    const grant = proxy.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'test' });
    const kubeconfig = await kubeconfigFile(grant.kubeconfig);
    ok(await pluginKubectl(kubeconfig, ['get', 'configmaps', '-n', 'team-a']));
    grant.revoke();
    const revoked = await pluginKubectl(kubeconfig, ['get', 'configmaps', '-n', 'team-a']);
    expect(revoked.code).not.toBe(0);
    expect(revoked.stderr).toContain('missing, expired or revoked plugin token');

    const short = proxy.grant(
      { user: 'alice', groups: ['chat-viewers'] },
      { clusterName: 'test', ttlMs: 1_000 },
    );
    const shortConfig = await kubeconfigFile(short.kubeconfig);
    ok(await pluginKubectl(shortConfig, ['get', 'configmaps', '-n', 'team-a']));
    await new Promise((r) => setTimeout(r, 1_100));
    const expired = await pluginKubectl(shortConfig, ['get', 'configmaps', '-n', 'team-a']);
    expect(expired.code).not.toBe(0);
    expect(expired.stderr).toContain('missing, expired or revoked plugin token');

    const none = await proxyRequest(proxy, '/api/v1/namespaces');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const agentToken = await proxyRequest(proxy, '/api/v1/namespaces', {
      authorization: `Bearer ${cluster.agentToken}`,
    });
    expect(agentToken.status).toBe(401);
  });

  it('streams a watch as events happen', async () => {
    const grant = proxy.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'test' });
    const kubeconfig = await kubeconfigFile(grant.kubeconfig);
    // kubectl lists first, prints that, then watches from the list's resourceVersion: anything
    // created after the listed ConfigMap appears can only arrive through the streamed watch.
    const watch = spawn(
      cluster.kubectlPath,
      [`--kubeconfig=${kubeconfig}`, 'get', 'configmaps', '-n', 'team-a', '--watch', '-o', 'name'],
      { env: cluster.toolEnv },
    );
    let seen = '';
    const saw = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (seen.includes(text)) resolve();
        };
        watch.stdout.on('data', check);
        check();
      });
    watch.stdout.on('data', (d: Buffer) => {
      seen += d.toString();
    });
    try {
      await saw('configmap/settings');
      expect(seen).not.toContain('configmap/streamed');
      ok(await cluster.kubectl(['create', 'configmap', 'streamed', '-n', 'team-a', '--from-literal=a=b']));
      await saw('configmap/streamed');
      expect(watch.exitCode).toBeNull();
    } finally {
      watch.kill('SIGTERM');
      grant.revoke();
    }
  });

  it('refuses exec-style connection upgrades with a clear message', async () => {
    const grant = proxy.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'test' });
    const res = await proxyRequest(proxy, '/api/v1/namespaces/team-a/pods/x/exec?command=sh', {
      authorization: `Bearer ${grant.token}`,
      connection: 'Upgrade',
      upgrade: 'websocket',
    });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).message).toContain('exec, attach and port-forward');
    grant.revoke();
  });

  it('can authenticate the agent with a client certificate instead of a token', async () => {
    // A client certificate for the same agent user, signed by the cluster CA (--client-ca-file).
    const sh = (args: string[]) => promisify(execFile)('openssl', args, { cwd: cluster.dir });
    await sh(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'agent.key']);
    await sh(['req', '-new', '-key', 'agent.key', '-subj', '/CN=switchboard-agent', '-out', 'agent.csr']);
    await writeFile(join(cluster.dir, 'agent.ext'), 'extendedKeyUsage=clientAuth\n');
    await sh(
      ['x509', '-req', '-in', 'agent.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-days',
        '1',
        '-extfile',
        'agent.ext',
        '-out',
        'agent.crt',
      ]),
    );
    const withCert = await startImpersonationProxy({
      upstreamUrl: cluster.url,
      caPem: cluster.caPem,
      credentials: {
        certPem: await readFile(join(cluster.dir, 'agent.crt'), 'utf8'),
        keyPem: await readFile(join(cluster.dir, 'agent.key'), 'utf8'),
      },
    });
    try {
      const grant = withCert.grant({ user: 'alice', groups: ['chat-viewers'] }, { clusterName: 'test' });
      const kubeconfig = await kubeconfigFile(grant.kubeconfig);
      expect(
        ok(await pluginKubectl(kubeconfig, ['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'name'])),
      ).toBe('configmap/settings\n');
      const refused = await pluginKubectl(kubeconfig, ['get', 'configmaps', '-n', 'team-b']);
      expect(refused.stderr).toContain('User "alice" cannot list resource "configmaps"');
    } finally {
      await withCert.close();
    }
  });

  it('answers 502 with a Status when the API server is unreachable', async () => {
    const dead = await startImpersonationProxy({
      upstreamUrl: 'https://127.0.0.1:1',
      caPem: cluster.caPem,
      credentials: { token: cluster.agentToken },
    });
    try {
      const grant = dead.grant({ user: 'alice', groups: [] }, { clusterName: 'test' });
      const res = await proxyRequest(dead, '/api', { authorization: `Bearer ${grant.token}` });
      expect(res.status).toBe(502);
      expect(message(res)).toContain('Kubernetes API server unreachable');
    } finally {
      await dead.close();
    }
  });

  it('refuses an http upstream and an unreadable token file with SB_ERR_KUBE_PROXY', async () => {
    await expect(
      startImpersonationProxy({
        upstreamUrl: 'http://127.0.0.1:6443',
        caPem: '',
        credentials: { token: 'x' },
      }),
    ).rejects.toMatchObject({
      code: 'SB_ERR_KUBE_PROXY',
      message: expect.stringContaining('must use https'),
    });
    await expect(
      startImpersonationProxy({ upstreamUrl: 'not a url', caPem: '', credentials: { token: 'x' } }),
    ).rejects.toMatchObject({ code: 'SB_ERR_KUBE_PROXY', message: expect.stringContaining('is not a URL') });

    const missing = join(cluster.dir, 'no-such-token');
    const fromFile = await startImpersonationProxy({
      upstreamUrl: cluster.url,
      caPem: cluster.caPem,
      credentials: { tokenFile: missing },
    });
    try {
      const grant = fromFile.grant({ user: 'alice', groups: [] }, { clusterName: 'test' });
      const res = await proxyRequest(fromFile, '/api', { authorization: `Bearer ${grant.token}` });
      expect(res.status).toBe(500);
      expect(message(res)).toContain(`Cannot read the agent's Kubernetes token file ${missing}`);
      // Once the file exists (a projected token appears), requests pass with it.
      await writeFile(missing, `${cluster.agentToken}\n`);
      const later = await proxyRequest(fromFile, '/api', { authorization: `Bearer ${grant.token}` });
      expect(later.status).toBe(200);
    } finally {
      await fromFile.close();
    }
  });
});
