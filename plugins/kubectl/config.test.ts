import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import {
  type BuilderAllowed,
  type CommandRestrictions,
  type KubectlConfig,
  type kubectlConfigSchema,
  readKubectlConfig,
} from './config.js';

type Props = (typeof kubectlConfigSchema)['properties'];

describe('kubectl config: the type and the JSON Schema agree', () => {
  it('names the same keys at each level', () => {
    expectTypeOf<keyof Props>().toEqualTypeOf<keyof KubectlConfig>();
    expectTypeOf<keyof Props['interactiveBuilder']['properties']['allowed']['properties']>().toEqualTypeOf<
      keyof BuilderAllowed
    >();
    expectTypeOf<keyof Props['commands']['properties']>().toEqualTypeOf<keyof CommandRestrictions>();
    expectTypeOf<keyof Props['log']['properties']>().toEqualTypeOf<keyof NonNullable<KubectlConfig['log']>>();
  });

  it("accepts Botkube's chart config for the kubectl plugin unchanged", () => {
    // helm/botkube/values.yaml (v1.14), executors.k8s-default-tools."botkube/kubectl".config
    const chart = parse(`
defaultNamespace: "default"
interactiveBuilder:
  allowed:
    verbs: ["api-resources", "api-versions", "cluster-info", "describe", "explain", "get", "logs", "top"]
    resources: ["deployments", "pods", "namespaces", "daemonsets", "statefulsets", "storageclasses", "nodes", "configmaps", "services", "ingresses"]
log:
  level: info
  disableColors: false
`);
    expect(readKubectlConfig(chart)).toEqual(chart);
  });

  it('accepts every config the type accepts', () => {
    const full: KubectlConfig = {
      defaultNamespace: 'team-a',
      interactiveBuilder: {
        allowed: { verbs: ['get'], resources: ['pods'], namespaces: ['team-a', 'team-b'] },
      },
      log: { level: 'debug', disableColors: true },
      commands: { verbs: ['get', 'exec'], resources: ['pods'] },
      kubectlPath: '/usr/local/bin/kubectl',
      timeoutSeconds: 30,
      maxOutputBytes: 65536,
    };
    for (const sample of [{}, full]) expect(readKubectlConfig(sample)).toEqual(sample);
  });

  it('refuses what the type refuses, naming the field', () => {
    // @ts-expect-error verbs is a list
    const verbsString: KubectlConfig = { commands: { verbs: 'get' } };
    expect(() => readKubectlConfig(verbsString)).toThrow(
      'invalid kubectl config: /commands/verbs must be array',
    );
    expect(() => readKubectlConfig({ kubectlPath: 'kubectl' })).toThrow(
      '/kubectlPath must match pattern "^/"',
    );
    expect(() => readKubectlConfig({ defaultNamespace: 'Team A' })).toThrow(
      '/defaultNamespace must match pattern',
    );
    expect(() => readKubectlConfig({ timeoutSeconds: 0 })).toThrow('/timeoutSeconds must be >= 1');
    expect(() => readKubectlConfig({ namespace: 'x' })).toThrow('/ must NOT have additional properties');
  });

  it("refuses a fixed namespace list without the default namespace, as Botkube's validation does", () => {
    expect(() =>
      readKubectlConfig({
        defaultNamespace: 'team-a',
        interactiveBuilder: { allowed: { namespaces: ['team-b'] } },
      }),
    ).toThrow(
      'invalid kubectl config: interactiveBuilder.allowed.namespaces [team-b] must contain defaultNamespace "team-a"',
    );
  });
});
