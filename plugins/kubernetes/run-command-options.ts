import type { OptionItem } from '../../src/sdk/index.js';
import { defaultCommandVerbs } from './config.js';

/** Verbs the guard never offers in the select (Botkube's list), plus `delete` (#824). */
const neverOffered = new Set([
  'delete',
  'list',
  'watch',
  'deletecollection',
  'create',
  'cp',
  'update',
  'patch',
  'diff',
  'port-forward',
  'attach',
  'apply',
  'replace',
  'auth',
  'explain',
  'autoscale',
  'scale',
  'wait',
  'proxy',
  'run',
]);
/** Verbs that take no resource; they make no sense for one object, so the select leaves them out. */
const resourceless = new Set(['api-resources', 'api-versions', 'cluster-info', 'auth']);
/** Resources whose `logs` is written `<plural>/<name>`. */
const slashLogs = new Set(['pods', 'jobs', 'deployments', 'statefulsets', 'replicasets', 'daemonsets']);

/** What the API server allows on the object's resource (discovery `verbs`) and where it lives. */
export interface CommandTarget {
  plural: string;
  name: string;
  namespace: string;
  apiVerbs: readonly string[];
}

/**
 * The "Run command…" options for one object, as Botkube's commander builds them: the
 * configured verbs (default: Botkube's eight) minus `delete`, sorted, each kept only if the
 * guard allows it for the resource (`describe` wherever `get` is allowed, `top` for pods and
 * nodes, `cordon`/`uncordon`/`drain` for nodes, `logs` for workloads). The value is the kubectl
 * command without `kubectl`: `get pods web-1 --namespace shop`, `logs pods/web-1 --namespace shop`.
 */
export function runCommandOptions(
  target: CommandTarget,
  verbs: readonly string[] = defaultCommandVerbs,
): OptionItem[] {
  const allowed = new Set(target.apiVerbs);
  const options: OptionItem[] = [];
  for (const verb of [...new Set(verbs)].sort()) {
    if (neverOffered.has(verb) || resourceless.has(verb) || !guardAllows(verb, target.plural, allowed))
      continue;
    const object = verb === 'logs' ? `${target.plural}/${target.name}` : `${target.plural} ${target.name}`;
    const namespace = target.namespace ? ` --namespace ${target.namespace}` : '';
    options.push({ name: verb, value: `${verb} ${object}${namespace}` });
  }
  return options;
}

function guardAllows(verb: string, plural: string, apiVerbs: ReadonlySet<string>): boolean {
  switch (verb) {
    case 'describe':
      return apiVerbs.has('get');
    case 'top':
      return plural === 'pods' || plural === 'nodes';
    case 'cordon':
    case 'uncordon':
    case 'drain':
      return plural === 'nodes';
    case 'logs':
      return slashLogs.has(plural);
    default:
      return apiVerbs.has(verb);
  }
}
