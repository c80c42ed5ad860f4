import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import { type HelmConfig, type helmConfigSchema, readHelmConfig } from './config.js';

type Props = (typeof helmConfigSchema)['properties'];

describe('helm config: the type and the JSON Schema agree', () => {
  it('names the same keys', () => {
    expectTypeOf<keyof Props>().toEqualTypeOf<keyof HelmConfig>();
    expectTypeOf<keyof Props['log']['properties']>().toEqualTypeOf<keyof NonNullable<HelmConfig['log']>>();
  });

  it("accepts Botkube's helm plugin config unchanged", () => {
    // docs.botkube.io/plugins/helm: the documented config, with Botkube's defaults spelled out
    const botkube = parse(`
defaultNamespace: "default"
helmDriver: "secret"
helmCacheDir: "/tmp/helm/.cache"
helmConfigDir: "/tmp/helm/"
log:
  level: info
`);
    expect(readHelmConfig(botkube)).toEqual(botkube);
    expect(readHelmConfig({})).toEqual({});
  });

  it('accepts every config the type accepts', () => {
    const full: HelmConfig = {
      defaultNamespace: 'team-a',
      helmDriver: 'configmap',
      helmCacheDir: '/var/cache/helm',
      helmConfigDir: '/etc/helm',
      log: { level: 'debug', disableColors: true },
      readOnly: true,
      helmPath: '/usr/local/bin/helm',
      timeoutSeconds: 30,
      maxOutputBytes: 4096,
    };
    expect(readHelmConfig(full)).toEqual(full);
  });

  it('names the field, the value and what was expected', () => {
    expect(() => readHelmConfig({ helmDriver: 'sql' })).toThrow(
      'invalid helm config: /helmDriver must be equal to one of the allowed values (secret, configmap, memory)',
    );
    expect(() => readHelmConfig({ defaultNamespace: 'Team_A' })).toThrow(
      /\/defaultNamespace must match pattern/,
    );
    expect(() => readHelmConfig({ helmPath: 'helm' })).toThrow(/\/helmPath must match pattern "\^\/"/);
    expect(() => readHelmConfig({ readonly: true })).toThrow(
      '/ must NOT have additional properties "readonly"',
    );
    expect(() => readHelmConfig({ timeoutSeconds: 0, maxOutputBytes: 10 })).toThrow(
      /timeoutSeconds must be >= 1; \/maxOutputBytes must be >= 1024/,
    );
  });
});
