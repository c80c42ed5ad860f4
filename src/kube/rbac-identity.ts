import type { PluginRbac } from '../config/slices/plugin-groups.js';
import { SwitchboardError } from '../errors/switchboard-error.js';
import type { KubeIdentity } from './proxy-tokens.js';

/** The user Botkube impersonates when only groups are configured: Kubernetes needs a user. */
export const groupOnlyUser = 'botkube-internal-static-user';

/** Where a call comes from: the channel name for chat commands; none for streams and actions. */
export interface RbacCallSite {
  /** The channel's display name (its ID when it has none); undefined for source streams and actions. */
  channel?: string;
  /** Names the config entry in errors, e.g. `executors.k8s-tools.plugins.botkube/kubectl`. */
  where: string;
}

function channelFor(kind: 'user' | 'group', site: RbacCallSite): string {
  if (site.channel === undefined || site.channel === '') {
    throw new SwitchboardError(
      'SB_ERR_KUBE_RBAC',
      `${site.where}.context.rbac.${kind}.type is "ChannelName", but this call has no channel (source streams and actions have none); use "Static".`,
    );
  }
  return site.channel;
}

/**
 * Resolves Botkube's `context.rbac` into the identity a plugin call acts as, as Botkube does:
 * user `Static` → prefix + `static.value`, `ChannelName` → prefix + channel; groups `Static` →
 * prefix + each of `static.values`, `ChannelName` → one group prefix + channel; groups without a
 * user → user {@link groupOnlyUser}. Undefined when there is no rbac or both types are empty
 * (Botkube then gives no kubeconfig at all). Throws SB_ERR_KUBE_RBAC for an empty static name
 * or a ChannelName policy on a call without a channel.
 */
export function resolveRbacIdentity(
  rbac: PluginRbac | undefined,
  site: RbacCallSite,
): KubeIdentity | undefined {
  const user = rbac?.user;
  const group = rbac?.group;
  const userType = user?.type ?? '';
  const groupType = group?.type ?? '';
  if (userType === '' && groupType === '') return undefined;

  let groups: string[] = [];
  if (group && groupType === 'Static') {
    const values = group.static.values;
    if (values.length === 0 || values.some((v) => v.trim() === '')) {
      throw new SwitchboardError(
        'SB_ERR_KUBE_RBAC',
        `${site.where}.context.rbac.group.static.values must list non-empty group names for type "Static", got ${JSON.stringify(values)}.`,
      );
    }
    groups = values.map((v) => `${group.prefix}${v}`);
  } else if (group && groupType === 'ChannelName') {
    groups = [`${group.prefix}${channelFor('group', site)}`];
  }

  let name: string;
  if (user && userType === 'Static') {
    if (user.static.value.trim() === '') {
      throw new SwitchboardError(
        'SB_ERR_KUBE_RBAC',
        `${site.where}.context.rbac.user.static.value must be a user name for type "Static", got "".`,
      );
    }
    name = `${user.prefix}${user.static.value}`;
  } else if (user && userType === 'ChannelName') {
    name = `${user.prefix}${channelFor('user', site)}`;
  } else {
    name = groupOnlyUser;
  }
  return { user: name, groups };
}
