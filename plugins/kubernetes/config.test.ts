import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import {
  type ExtraButton,
  type KubernetesConfig,
  type kubernetesConfigSchema,
  parseDuration,
  type ResourceConfig,
  readKubernetesConfig,
} from './config.js';

type Props = (typeof kubernetesConfigSchema)['properties'];
type ResourceSchema = Props['resources']['items'];
type ButtonSchema = Props['extraButtons']['items'];

// Botkube v1.14 chart's k8s-all-events group, abridged to four resources, unchanged otherwise.
const botkubeAllEvents = `
namespaces:
  include: [".*"]
event:
  types: [create, delete, error]
resources:
  - type: v1/pods
  - type: v1/nodes
    event:
      message:
        exclude: [".*nf_conntrack_buckets.*"]
  - type: apps/v1/deployments
    event:
      types: [create, update, delete, error]
    updateSetting:
      includeDiff: true
      fields:
        - spec.template.spec.containers[*].image
        - status.availableReplicas
  - type: batch/v1/jobs
    event:
      types: [create, update, delete, error]
    updateSetting:
      includeDiff: true
      fields: ["spec.template.spec.containers[*].image", "status.conditions[*].type"]
filters:
  objectAnnotationChecker: true
  nodeEventsChecker: true
recommendations:
  pod: { noLatestImageTag: false, labelsSet: true }
  ingress: { backendServiceValid: true, tlsSecretValid: false }
commands:
  verbs: ["api-resources", "api-versions", "cluster-info", "describe", "explain", "get", "logs", "top"]
  resources: ["deployments", "pods", "namespaces"]
extraButtons:
  - enabled: false
    trigger: { type: ["error"] }
    button: { displayName: "Get Help", commandTpl: "ai --resource={{ .Namespace }}/{{ .Kind | lower }}/{{ .Name }} --error={{ .Reason }} --bk-cmd-header='AI assistance'" }
log:
  level: info
  disableColors: false
informerResyncPeriod: 30m
`;

describe('kubernetes config: the type and the JSON Schema agree', () => {
  it('names the same keys, and requires what the type requires', () => {
    expectTypeOf<keyof Props>().toEqualTypeOf<keyof KubernetesConfig>();
    expectTypeOf<keyof ResourceSchema['properties']>().toEqualTypeOf<keyof ResourceConfig>();
    expectTypeOf<ResourceSchema['required'][number]>().toEqualTypeOf<'type'>();
    expectTypeOf<keyof ButtonSchema['properties']>().toEqualTypeOf<keyof ExtraButton>();
    expectTypeOf<ButtonSchema['required'][number]>().toEqualTypeOf<'trigger' | 'button'>();
  });

  it("accepts Botkube's chart config unchanged, and an empty one", () => {
    const input = parse(botkubeAllEvents) as KubernetesConfig;
    const read = readKubernetesConfig(input);
    expect(read.config).toEqual(input);
    expect(read.warningRepeatIntervalMs).toBe(60_000);
    // Botkube's own chart has this: the block replaces the global one and has no include (A.2).
    expect(read.warnings).toEqual([
      'resources[1].event.message has exclude but no include, so it rejects everything (as in Botkube); add include: [".*"]',
    ]);
    expect(readKubernetesConfig(undefined).warnings).toEqual([
      'no resources are configured, so this source emits nothing',
    ]);
  });

  it('names the field and value of every problem, all at once', () => {
    expect(() =>
      readKubernetesConfig({
        resources: [{ type: 'v1/pods', nmae: { include: ['x'] } }],
        event: { types: ['crash'] },
      }),
    ).toThrow(
      'invalid kubernetes source config: /event/types/0 must be equal to one of the allowed values (create, update, delete, error, warning, normal, info, all); /resources/0 must NOT have additional properties "nmae"',
    );
    expect(() =>
      readKubernetesConfig({
        namespaces: { include: ['(prod'] },
        resources: [
          { type: 'deployments' },
          { type: 'v1/pods', updateSetting: { fields: ['spec.containers[?(@.name=="x")].image'] } },
        ],
        extraButtons: [
          {
            trigger: { type: ['error'] },
            button: { displayName: 'x', commandTpl: '{{ if .Name }}x{{ end }}' },
          },
        ],
      }),
    ).toThrow(
      /namespaces\.include\[0\] "\(prod" is not a valid regular expression: .*; resources\[0\]\.type: "deployments" is not a resource type; expected v1\/<plural> for the core group or <group>\/<version>\/<plural> \(e\.g\. apps\/v1\/deployments\); resources\[1\]\.updateSetting\.fields\[0\] "spec\.containers\[\?\(@\.name=="x"\)\]\.image": supported are dotted keys with \[n\] and \[\*\], e\.g\. spec\.template\.spec\.containers\[\*\]\.image; extraButtons\[0\]\.button\.commandTpl "\{\{ if \.Name \}\}x\{\{ end \}\}": "\{\{ if \.Name \}\}" is not supported/,
    );
    expect(() => readKubernetesConfig({ warningRepeatInterval: '5 minutes' })).toThrow(
      '/warningRepeatInterval must match pattern',
    );
  });

  it('warns about what Botkube accepts but what does nothing', () => {
    const read = readKubernetesConfig({
      namespaces: { exclude: ['kube-system'] },
      event: { types: ['warning', 'error'] },
      resources: [{ type: 'v1/pods' }],
    });
    expect(read.warnings).toEqual([
      'namespaces has exclude but no include, so it rejects everything (as in Botkube); add include: [".*"]',
      'event.types: "warning" is accepted but never emits anything (as in Botkube); use "error"',
    ]);
  });

  it('reads durations', () => {
    expect(parseDuration('1h2m3s')).toBe(3_723_000);
    expect(parseDuration('2s')).toBe(2000);
    expect(() => parseDuration('')).toThrow('"" is not a duration like 30s, 5m or 1h');
  });
});
