import { describe, expect, it } from 'vitest';
import { PluginRbac } from '../config/slices/plugin-groups.js';
import { groupOnlyUser, resolveRbacIdentity } from './rbac-identity.js';

const rbac = (value: unknown) => PluginRbac.parse(value);
const where = 'executors.k8s.plugins.botkube/kubectl';

describe('resolveRbacIdentity (Botkube context.rbac)', () => {
  it('gives no identity without rbac or with both types empty, as Botkube gives no kubeconfig', () => {
    expect(resolveRbacIdentity(undefined, { where })).toBeUndefined();
    expect(resolveRbacIdentity(rbac({}), { where })).toBeUndefined();
    expect(resolveRbacIdentity(rbac({ user: { type: '' }, group: {} }), { where })).toBeUndefined();
  });

  it('uses prefix + static names for Static, and the fixed user for a group-only policy', () => {
    expect(
      resolveRbacIdentity(rbac({ user: { type: 'Static', prefix: 'sb:', static: { value: 'ada' } } }), {
        where,
      }),
    ).toEqual({ user: 'sb:ada', groups: [] });
    expect(
      resolveRbacIdentity(
        rbac({ group: { type: 'Static', prefix: 'p-', static: { values: ['readers', 'ops'] } } }),
        { where },
      ),
    ).toEqual({ user: groupOnlyUser, groups: ['p-readers', 'p-ops'] });
  });

  it('uses prefix + channel name for ChannelName, user and group alike', () => {
    expect(
      resolveRbacIdentity(
        rbac({
          user: { type: 'ChannelName', prefix: 'u:' },
          group: { type: 'ChannelName', prefix: 'g:' },
        }),
        { where, channel: 'team-a' },
      ),
    ).toEqual({ user: 'u:team-a', groups: ['g:team-a'] });
  });

  it('refuses ChannelName without a channel, naming the field', () => {
    expect(() =>
      resolveRbacIdentity(rbac({ group: { type: 'ChannelName' } }), { where: 'sources.s.plugins.k' }),
    ).toThrow(/sources\.s\.plugins\.k\.context\.rbac\.group\.type is "ChannelName".*no channel/);
  });

  it('refuses Static with empty names, naming the field', () => {
    expect(() => resolveRbacIdentity(rbac({ user: { type: 'Static' } }), { where })).toThrow(
      /context\.rbac\.user\.static\.value must be a user name/,
    );
    expect(() => resolveRbacIdentity(rbac({ group: { type: 'Static' } }), { where })).toThrow(
      expect.objectContaining({ code: 'SB_ERR_KUBE_RBAC' }),
    );
  });
});
