import { describe, expect, it } from 'vitest';
import { buildPluginEnvironment } from './environment.js';

const base = { privateDir: '/run/p', dependencyDir: '/cache/x_deps', appVersions: [1, 2, 3] };

describe('buildPluginEnvironment', () => {
  it('keeps allow-listed names and drops everything else', () => {
    const env = buildPluginEnvironment({
      ...base,
      hostEnv: { PATH: '/bin', HOME: '/root', SLACK_BOT_TOKEN: 'xoxb-1', RANDOM_THING: 'x' },
    });
    expect(env.PATH).toBe('/bin');
    expect(env.HOME).toBe('/root');
    expect(env).not.toHaveProperty('SLACK_BOT_TOKEN');
    expect(env).not.toHaveProperty('RANDOM_THING');
  });

  it('never copies credential-like or SWITCHBOARD_ names even when allow-listed', () => {
    const env = buildPluginEnvironment({
      ...base,
      hostEnv: { GITHUB_TOKEN: 't', SWITCHBOARD_COMMUNICATIONS_X: 'y', AWS_SECRET_ACCESS_KEY: 'z' },
      allow: ['GITHUB_TOKEN', 'SWITCHBOARD_COMMUNICATIONS_X', 'AWS_SECRET_ACCESS_KEY'],
    });
    expect(
      Object.keys(env).filter((k) => !k.startsWith('PLUGIN_') && !['BOTKUBE', 'TMPDIR'].includes(k)),
    ).toEqual([]);
  });

  it("never copies the agent's KUBECONFIG even when allow-listed; in-cluster service variables may be", () => {
    const env = buildPluginEnvironment({
      ...base,
      hostEnv: { KUBECONFIG: '/agent/kubeconfig', KUBERNETES_SERVICE_HOST: '10.0.0.1' },
      allow: ['KUBECONFIG', 'KUBERNETES_SERVICE_HOST'],
    });
    expect(env).not.toHaveProperty('KUBECONFIG');
    expect(env.KUBERNETES_SERVICE_HOST).toBe('10.0.0.1');
  });

  it('adds allow-listed names to the default list instead of replacing it', () => {
    const env = buildPluginEnvironment({
      ...base,
      hostEnv: { PATH: '/bin', KUBERNETES_SERVICE_HOST: '10.0.0.1', BOTKUBE_SETTINGS_X: 'y', OTHER: 'z' },
      allow: ['KUBERNETES_SERVICE_HOST', 'BOTKUBE_SETTINGS_X'],
    });
    expect(env).toMatchObject({ PATH: '/bin', KUBERNETES_SERVICE_HOST: '10.0.0.1' });
    expect(env).not.toHaveProperty('BOTKUBE_SETTINGS_X');
    expect(env).not.toHaveProperty('OTHER');
  });

  it('sets the go-plugin variables, which win over extras and host values', () => {
    const env = buildPluginEnvironment({
      ...base,
      hostEnv: { PLUGIN_MULTIPLEX_GRPC: 'true' },
      allow: ['PLUGIN_MULTIPLEX_GRPC'],
      extra: { TMPDIR: '/elsewhere', KUBECONFIG: '/k' },
      clientCertPem: 'PEM',
    });
    expect(env).toMatchObject({
      BOTKUBE: '52ca7b74-28eb-4fac-ae79-31a9cbda2454',
      PLUGIN_PROTOCOL_VERSIONS: '1,2,3',
      PLUGIN_DEPENDENCY_DIR: '/cache/x_deps',
      TMPDIR: '/run/p',
      PLUGIN_UNIX_SOCKET_DIR: '/run/p',
      PLUGIN_CLIENT_CERT: 'PEM',
      KUBECONFIG: '/k',
    });
    expect(env).not.toHaveProperty('PLUGIN_MULTIPLEX_GRPC');
  });
});
