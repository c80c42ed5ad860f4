import { request } from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTestLogger } from '../../test/support/test-logger.js';
import { Config } from '../config/schema.js';
import { PluginKubeAccess } from './plugin-kube-access.js';

// The proxy is real; its upstream is a closed port, so a live token is forwarded and answered 502
// by the proxy, while a revoked or expired one is refused with 401 before any forwarding.

const config = (rbac: string) =>
  Config.parse(
    parse(`
executors:
  tools:
    fx/fixture: {enabled: true, context: {rbac: ${rbac}}}
`),
  );
const group = '{group: {type: Static, static: {values: [readers]}}}';

function status(kubeConfig: Uint8Array): Promise<number> {
  const doc = parse(new TextDecoder().decode(kubeConfig));
  const server: string = doc.clusters[0].cluster.server;
  const token: string = doc.users[0].user.token;
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}/api`,
      { headers: { authorization: `Bearer ${token}` }, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

let access: PluginKubeAccess | undefined;
afterEach(() => access?.close());

async function started(streamTtlMs?: number) {
  access = new PluginKubeAccess({
    logger: createTestLogger('silent').logger,
    env: {},
    ...(streamTtlMs ? { streamTtlMs } : {}),
    connect: async () => ({
      server: 'https://127.0.0.1:1',
      caPem: 'unused',
      credentials: { token: 'agent' },
      origin: 'test',
    }),
  });
  await access.prepare(config(group));
  return access;
}

describe('PluginKubeAccess', () => {
  it('starts no proxy when no enabled plugin has rbac, and refuses rbac calls then', async () => {
    access = new PluginKubeAccess({ logger: createTestLogger('silent').logger, env: {} });
    await access.prepare(config('{}'));
    expect(access.running).toBe(false);
    const rbac = config(group).executors.tools?.plugins['fx/fixture']?.context.rbac;
    expect(() => access?.forCall(rbac, { where: 'x', clusterName: 'c' }, 1000)).toThrow(
      expect.objectContaining({ code: 'SB_ERR_KUBE_CLUSTER' }),
    );
    expect(access.forCall(undefined, { where: 'x', clusterName: 'c' }, 1000)).toBeUndefined();
  });

  it('revokes a call token at release', async () => {
    const kube = await started();
    const rbac = config(group).executors.tools?.plugins['fx/fixture']?.context.rbac;
    const lease = kube.forCall(rbac, { where: 'x', clusterName: 'c' }, 60_000);
    if (!lease) throw new Error('no lease');
    expect(await status(lease.kubeConfig)).toBe(502);
    lease.release();
    expect(await status(lease.kubeConfig)).toBe(401);
  });

  it("writes the entry's context.kubeconfig.defaultNamespace into the kubeconfig, else default", async () => {
    const kube = await started();
    const rbac = config(group).executors.tools?.plugins['fx/fixture']?.context.rbac;
    const text = (lease: { kubeConfig: Uint8Array } | undefined) =>
      new TextDecoder().decode(lease?.kubeConfig);
    const namespaced = kube.forCall(rbac, { where: 'x', clusterName: 'c', namespace: 'team-a' }, 60_000);
    expect(text(namespaced)).toMatch(/namespace: team-a/);
    const plain = kube.forCall(rbac, { where: 'x', clusterName: 'c' }, 60_000);
    expect(text(plain)).toMatch(/namespace: default/);
    // Streams share a kubeconfig per identity and namespace, never across namespaces.
    const a = kube.forStream(rbac, { where: 'a', clusterName: 'c', namespace: 'team-a' });
    const b = kube.forStream(rbac, { where: 'b', clusterName: 'c' });
    expect(text(a)).toMatch(/namespace: team-a/);
    expect(text(b)).toMatch(/namespace: default/);
    for (const lease of [namespaced, plain, a, b]) lease?.release();
  });

  it('shares one renewed stream token per identity until the last stream releases it', async () => {
    const kube = await started(300);
    const rbac = config(group).executors.tools?.plugins['fx/fixture']?.context.rbac;
    const a = kube.forStream(rbac, { where: 'a', clusterName: 'c' });
    const b = kube.forStream(rbac, { where: 'b', clusterName: 'c' });
    if (!a || !b) throw new Error('no lease');
    expect(Buffer.from(a.kubeConfig).equals(Buffer.from(b.kubeConfig))).toBe(true);
    // Well past the 300 ms lifetime: renewals keep it alive.
    await new Promise((r) => setTimeout(r, 900));
    expect(await status(a.kubeConfig)).toBe(502);
    a.release();
    a.release();
    expect(await status(b.kubeConfig)).toBe(502);
    b.release();
    expect(await status(b.kubeConfig)).toBe(401);
  });
});
