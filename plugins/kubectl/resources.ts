/**
 * Resource type names as users type them (short names, singulars, `type.group`) mapped to the
 * plural kubectl and RBAC use, so `commands.resources: [pods]` also covers `po`, `pod` and
 * `pods.v1.`. Types not in the table map by a plain `s`/`es` rule; they are compared as typed.
 */
const shortNames: Record<string, string> = {
  po: 'pods',
  svc: 'services',
  deploy: 'deployments',
  ds: 'daemonsets',
  sts: 'statefulsets',
  rs: 'replicasets',
  rc: 'replicationcontrollers',
  ns: 'namespaces',
  no: 'nodes',
  cm: 'configmaps',
  ing: 'ingresses',
  ingress: 'ingresses',
  pv: 'persistentvolumes',
  pvc: 'persistentvolumeclaims',
  sa: 'serviceaccounts',
  ev: 'events',
  ep: 'endpoints',
  endpoints: 'endpoints',
  cj: 'cronjobs',
  sc: 'storageclasses',
  hpa: 'horizontalpodautoscalers',
  pdb: 'poddisruptionbudgets',
  crd: 'customresourcedefinitions',
  crds: 'customresourcedefinitions',
  netpol: 'networkpolicies',
  networkpolicy: 'networkpolicies',
  pc: 'priorityclasses',
  quota: 'resourcequotas',
  limits: 'limitranges',
  csr: 'certificatesigningrequests',
  ingressclass: 'ingressclasses',
  storageclass: 'storageclasses',
  priorityclass: 'priorityclasses',
  endpointslice: 'endpointslices',
};

/** The plural form of a resource type word: `Pod`, `po`, `pods.v1.` and `deployment.apps` → `pods`, `deployments`. */
export function pluralResource(word: string): string {
  const base = (word.toLowerCase().split('.')[0] ?? '').trim();
  const short = shortNames[base];
  if (short) return short;
  if (base.endsWith('s')) return base;
  if (base.endsWith('y')) return `${base.slice(0, -1)}ies`;
  if (base.endsWith('ch') || base.endsWith('sh') || base.endsWith('x')) return `${base}es`;
  return `${base}s`;
}

/** Types that live outside namespaces; the builder asks for no namespace for them. */
const clusterScoped = new Set([
  'nodes',
  'namespaces',
  'persistentvolumes',
  'storageclasses',
  'clusterroles',
  'clusterrolebindings',
  'customresourcedefinitions',
  'priorityclasses',
  'ingressclasses',
  'certificatesigningrequests',
  'apiservices',
  'mutatingwebhookconfigurations',
  'validatingwebhookconfigurations',
  'runtimeclasses',
  'csidrivers',
  'csinodes',
  'volumeattachments',
]);

/** Whether objects of this type (plural) live in a namespace. */
export function isNamespaced(plural: string): boolean {
  return !clusterScoped.has(pluralResource(plural));
}
