/** The parts of a Kubernetes object the source reads; everything else is carried along untyped. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What happened to an object, as one informer saw it; `observedAt` is shared by every stream that gets it. */
export interface ObjectChange {
  type: 'add' | 'update' | 'delete';
  object: KubeObject;
  /** The cached previous version, for updates. */
  old?: KubeObject;
  observedAt: Date;
  /**
   * The collection's resourceVersion once this change is applied: watching from it reports
   * exactly the changes after this one (the resume point a stream cursor records).
   */
  resourceVersion?: string;
}

/** Whether a decoded JSON value looks like an object with metadata.name (watch events can carry Status objects). */
export function isKubeObject(value: unknown): value is KubeObject {
  if (!value || typeof value !== 'object') return false;
  const metadata = (value as { metadata?: unknown }).metadata;
  return (
    !!metadata && typeof metadata === 'object' && typeof (metadata as { name?: unknown }).name === 'string'
  );
}

/** The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects. */
export function objectKey(object: KubeObject): string {
  return object.metadata.namespace
    ? `${object.metadata.namespace}/${object.metadata.name}`
    : object.metadata.name;
}
