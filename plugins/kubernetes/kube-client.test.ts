import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKubeClient, loadKubeConfig } from './kube-client.js';

const kubeconfig = (server: string) =>
  [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: c, cluster: {server: "${server}"}}]`,
    'users: [{name: u, user: {token: t}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n');

describe('kubeconfig loading (plugin-contract §3.2 order)', () => {
  it('prefers the stream context bytes over KUBECONFIG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-kube-'));
    await writeFile(join(dir, 'config'), kubeconfig('https://from-file:6443'));
    const fromBytes = loadKubeConfig(new TextEncoder().encode(kubeconfig('https://from-context:6443')), {
      KUBECONFIG: join(dir, 'config'),
    });
    expect([fromBytes.origin, fromBytes.config.getCurrentCluster()?.server]).toEqual([
      'stream context',
      'https://from-context:6443',
    ]);
    const fromFile = loadKubeConfig(new Uint8Array(), { KUBECONFIG: join(dir, 'config') });
    expect([fromFile.origin, fromFile.config.getCurrentCluster()?.server]).toEqual([
      'KUBECONFIG',
      'https://from-file:6443',
    ]);
  });

  it('says where to look when there is none, or when it cannot be read', () => {
    expect(() => loadKubeConfig(new Uint8Array(), {})).toThrow(
      'kubernetes source: no kubeconfig: the stream context has none (set context.rbac on the source so the agent passes one), the plugin does not run in a pod, and KUBECONFIG is not set',
    );
    expect(() => loadKubeConfig(new Uint8Array(), { KUBECONFIG: '/nonexistent/kubeconfig' })).toThrow(
      /^kubernetes source: the kubeconfig cannot be read: ENOENT/,
    );
    expect(() => loadKubeConfig(new TextEncoder().encode('clusters: [oops'), {})).toThrow(
      /^kubernetes source: the kubeconfig cannot be read: /,
    );
    const noContext = loadKubeConfig(new TextEncoder().encode('apiVersion: v1\nkind: Config\n'), {});
    expect(() => createKubeClient(noContext.config)).toThrow(
      'kubernetes source: the kubeconfig has no current cluster (check current-context)',
    );
  });
});
