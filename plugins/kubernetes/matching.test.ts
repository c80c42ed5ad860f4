import { describe, expect, it } from 'vitest';
import { fieldsDiff, fieldValue, parseFieldPath } from './field-path.js';
import { anyAllowed, hasAllPairs, isAllowed } from './regex-constraints.js';
import { buildRoutes, routeMatches } from './routes.js';

describe("Botkube's regex constraints", () => {
  it('are unanchored, exclude first, and reject when nothing includes', () => {
    expect(isAllowed({ include: ['dev'] }, 'devops')).toBe(true);
    expect(isAllowed({ include: ['.*'], exclude: ['kube-'] }, 'kube-system')).toBe(false);
    expect(isAllowed({ include: ['^prod$'] }, 'prod-eu')).toBe(false);
    expect(isAllowed({ exclude: ['x'] }, 'y')).toBe(false);
    expect(isAllowed({ include: [' '], exclude: [''] }, 'anything')).toBe(true);
    expect(isAllowed(undefined, 'anything')).toBe(true);
    expect(isAllowed({ include: ['a.b'] }, 'a.b')).toBe(true);
  });

  it('match messages when any matches, and no messages as one empty one', () => {
    expect(anyAllowed({ include: ['OOM'] }, ['pulled', 'OOMKilled'])).toBe(true);
    expect(anyAllowed({ include: ['.*'] }, [])).toBe(true);
    expect(anyAllowed({ include: ['.+'] }, [])).toBe(false);
  });

  it('labels and annotations need every pair, exactly', () => {
    expect(hasAllPairs({ app: 'web' }, { app: 'web', tier: 'fe' })).toBe(true);
    expect(hasAllPairs({ app: 'web' }, { app: 'web2' })).toBe(false);
    expect(hasAllPairs(undefined, undefined)).toBe(true);
  });
});

describe('field paths and diffs', () => {
  const deployment = {
    spec: { template: { spec: { containers: [{ image: 'nginx:1.25' }, { image: 'envoy:1' }] } } },
    status: { availableReplicas: 2, ready: false },
  };

  it('reads keys, indexes and [*], joined with commas; missing is <none>', () => {
    expect(fieldValue(deployment, parseFieldPath('spec.template.spec.containers[*].image'))).toBe(
      'nginx:1.25,envoy:1',
    );
    expect(fieldValue(deployment, parseFieldPath('{.spec.template.spec.containers[1].image}'))).toBe(
      'envoy:1',
    );
    expect(fieldValue(deployment, parseFieldPath('status.readyReplicas'))).toBe('<none>');
    expect(fieldValue(deployment, parseFieldPath('spec.template'))).toBe(
      JSON.stringify(deployment.spec.template),
    );
    expect(() => parseFieldPath('a..b')).toThrow('supported are dotted keys');
    expect(() => parseFieldPath('')).toThrow('the path is empty');
  });

  it("diffs only changed fields, Botkube's format, <none> to false unchanged", () => {
    const next = structuredClone(deployment);
    next.spec.template.spec.containers[0] = { image: 'nginx:1.26' };
    expect(
      fieldsDiff(deployment, next, ['spec.template.spec.containers[*].image', 'status.availableReplicas']),
    ).toEqual(['spec.template.spec.containers[*].image:\n\t-: nginx:1.25,envoy:1\n\t+: nginx:1.26,envoy:1']);
    expect(fieldsDiff({}, { status: { ok: false } }, ['status.ok'])).toEqual([]);
    expect(fieldsDiff({}, { status: { ok: true } }, ['status.ok'])).toEqual([
      'status.ok:\n\t-: <none>\n\t+: true',
    ]);
  });
});

describe('routes', () => {
  const subject = { name: 'web', namespace: 'shop', labels: {}, annotations: {}, reason: '', messages: [] };

  it("apply Botkube's overrides: resource values replace global ones when set", () => {
    const [pods, deployments] = buildRoutes({
      namespaces: { include: ['shop'] },
      labels: { team: 'a' },
      event: { types: ['all'], reason: { include: ['BackOff'] } },
      resources: [
        { type: 'v1/pods' },
        {
          type: 'apps/v1/deployments',
          namespaces: { include: ['prod'] },
          event: { types: ['update'], message: { include: ['x'] } },
        },
      ],
    });
    expect([...(pods?.eventTypes ?? [])]).toEqual(['create', 'update', 'delete', 'error']);
    expect(pods).toMatchObject({
      namespaces: { include: ['shop'] },
      labels: { team: 'a' },
      reason: { include: ['BackOff'] },
    });
    expect([...(deployments?.eventTypes ?? [])]).toEqual(['update']);
    expect(deployments?.namespaces).toEqual({ include: ['prod'] });
    // The resource's message block replaces the global event block: no reason constraint left.
    expect(deployments?.reason).toBeUndefined();
    expect(deployments?.message).toEqual({ include: ['x'] });
  });

  it('check name, namespace, labels, annotations and reason', () => {
    const [route] = buildRoutes({
      resources: [
        {
          type: 'v1/pods',
          name: { include: ['^web'] },
          namespaces: { include: ['shop'] },
          labels: { app: 'web' },
        },
      ],
    });
    if (!route) throw new Error('no route');
    expect(routeMatches(route, { ...subject, labels: { app: 'web' } })).toBe(true);
    expect(routeMatches(route, subject)).toBe(false);
    expect(routeMatches(route, { ...subject, labels: { app: 'web' }, name: 'api' })).toBe(false);
    expect(routeMatches(route, { ...subject, labels: { app: 'web' }, namespace: 'dev' })).toBe(false);
  });

  it('add a create route for recommendations without replacing the group own one', () => {
    const routes = buildRoutes({
      recommendations: { pod: { labelsSet: true }, ingress: { tlsSecretValid: true } },
      resources: [{ type: 'v1/pods', event: { types: ['create'] }, name: { include: ['web'] } }],
    });
    expect(routes.map((r) => [r.type.key, r.recommendationsOnly, r.name])).toEqual([
      ['v1/pods', false, { include: ['web'] }],
      ['networking.k8s.io/v1/ingresses', true, undefined],
    ]);
  });
});
