import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterConnection, connectionFromKubeconfig, inClusterConnection } from './cluster-connection.js';

async function kubeconfig(
  user: string,
  cluster = 'server: https://10.0.0.1:6443\n    certificate-authority: ca.pem',
) {
  const dir = await mkdtemp(join(tmpdir(), 'sb-kc-'));
  await writeFile(join(dir, 'ca.pem'), 'CA-PEM');
  const file = join(dir, 'config');
  await writeFile(
    file,
    `apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters:
- name: k
  cluster:
    ${cluster}
users:
- name: u
  user: ${user}
`,
  );
  return { dir, file };
}

describe('the agent cluster connection', () => {
  it('reads server, CA file (relative to the kubeconfig) and token from settings.kubeconfig', async () => {
    const { file } = await kubeconfig('{token: agent-token}');
    expect(await connectionFromKubeconfig(file)).toEqual({
      server: 'https://10.0.0.1:6443',
      caPem: 'CA-PEM',
      credentials: { token: 'agent-token' },
      origin: file,
    });
  });

  it('reads client certificate data and token files', async () => {
    const cert = Buffer.from('CERT').toString('base64');
    const key = Buffer.from('KEY').toString('base64');
    const { file } = await kubeconfig(`{client-certificate-data: ${cert}, client-key-data: ${key}}`);
    expect((await connectionFromKubeconfig(file)).credentials).toEqual({ certPem: 'CERT', keyPem: 'KEY' });
    const { file: withFile, dir } = await kubeconfig('{tokenFile: tok}');
    expect((await connectionFromKubeconfig(withFile)).credentials).toEqual({ tokenFile: join(dir, 'tok') });
  });

  it('refuses exec users, users without credentials, clusters without CA, and a missing file, naming them', async () => {
    const exec = await kubeconfig('{exec: {command: gcloud}}');
    await expect(connectionFromKubeconfig(exec.file)).rejects.toThrow(/user "u" uses exec/);
    const none = await kubeconfig('{}');
    await expect(connectionFromKubeconfig(none.file)).rejects.toThrow(/user "u" has no token/);
    const noCa = await kubeconfig('{token: t}', 'server: https://10.0.0.1:6443');
    await expect(connectionFromKubeconfig(noCa.file)).rejects.toThrow(
      /cluster "k" has no certificate-authority/,
    );
    await expect(connectionFromKubeconfig('/nonexistent/kubeconfig')).rejects.toThrow(
      expect.objectContaining({
        code: 'SB_ERR_KUBE_CLUSTER',
        message: expect.stringContaining('settings.kubeconfig /nonexistent/kubeconfig'),
      }),
    );
    const notYaml = await kubeconfig('{token: t}');
    await writeFile(notYaml.file, 'a: [');
    await expect(connectionFromKubeconfig(notYaml.file)).rejects.toThrow(/is not valid YAML/);
  });

  it('goes in-cluster without settings.kubeconfig: service host/port, ca.crt and the token file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sb-sa-'));
    await writeFile(join(dir, 'ca.crt'), 'SA-CA');
    await writeFile(join(dir, 'token'), 'sa-token');
    const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(await clusterConnection({ saCredentialsPathPrefix: dir }, env)).toEqual({
      server: 'https://10.96.0.1:443',
      caPem: 'SA-CA',
      credentials: { tokenFile: join(dir, 'token') },
      origin: 'in-cluster',
    });
    await expect(inClusterConnection({}, dir)).rejects.toThrow(/KUBERNETES_SERVICE_HOST/);
    await expect(inClusterConnection(env, join(dir, 'missing'))).rejects.toThrow(/service-account CA/);
  });
});
