import type { Recommendations } from './config.js';
import type { KubeObject } from './kube-object.js';

/** What the recommendation checks found on a created object. */
export interface RecommendationResult {
  recommendations: string[];
  warnings: string[];
}

/** Reads one object by namespace/name (`undefined` when missing); used for Ingress back-ends and secrets. */
export type ObjectGetter = (
  kind: 'Service' | 'Secret',
  namespace: string,
  name: string,
) => Promise<KubeObject | undefined>;

interface PodSpec {
  containers?: { name?: string; image?: string }[];
  initContainers?: { name?: string; image?: string }[];
}

/**
 * Botkube's recommendations for created Pods and Ingresses: pods without labels, images
 * without a tag or with `latest`, Ingress back-end services that do not exist or do not expose
 * the port, TLS secrets that do not exist. Unlike Botkube, a registry port (`host:5000/app`) is
 * not taken for a tag, and a rule without `http` is skipped instead of crashing.
 */
export async function recommend(
  object: KubeObject,
  settings: Recommendations | undefined,
  get: ObjectGetter,
): Promise<RecommendationResult> {
  const out: RecommendationResult = { recommendations: [], warnings: [] };
  const name = object.metadata.name;
  const namespace = object.metadata.namespace ?? 'default';
  if (object.kind === 'Pod') {
    if (settings?.pod?.labelsSet && Object.keys(object.metadata.labels ?? {}).length === 0) {
      out.recommendations.push(
        `Pod '${namespace}/${name}' created without labels. Consider defining them, to be able to use them as a selector e.g. in Service.`,
      );
    }
    if (settings?.pod?.noLatestImageTag) {
      const spec = (object.spec ?? {}) as PodSpec;
      for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
        if (container.image && !hasPinnedTag(container.image)) {
          out.recommendations.push(
            `The 'latest' tag used in '${container.image}' image of Pod '${namespace}/${name}' container '${container.name ?? ''}' should be avoided.`,
          );
        }
      }
    }
  }
  if (object.kind === 'Ingress') {
    const spec = (object.spec ?? {}) as {
      rules?: {
        http?: { paths?: { backend?: { service?: { name?: string; port?: { number?: number } } } }[] };
      }[];
      tls?: { secretName?: string }[];
    };
    if (settings?.ingress?.backendServiceValid) {
      for (const rule of spec.rules ?? []) {
        for (const path of rule.http?.paths ?? []) {
          const service = path.backend?.service;
          if (!service?.name) continue;
          const [svcName = service.name, svcNamespace = namespace] = service.name.split('.');
          const found = await get('Service', svcNamespace, svcName);
          if (!found) {
            out.warnings.push(
              `Service '${service.name}' referenced in Ingress '${namespace}/${name}' does not exist.`,
            );
            continue;
          }
          const port = service.port?.number;
          const ports = ((found.spec as { ports?: { port?: number }[] } | undefined)?.ports ?? []).map(
            (p) => p.port,
          );
          if (port !== undefined && !ports.includes(port)) {
            out.warnings.push(
              `Service '${service.name}' referenced in Ingress '${namespace}/${name}' does not expose port ${port}.`,
            );
          }
        }
      }
    }
    if (settings?.ingress?.tlsSecretValid) {
      for (const tls of spec.tls ?? []) {
        if (tls.secretName && !(await get('Secret', namespace, tls.secretName))) {
          out.warnings.push(
            `TLS Secret '${tls.secretName}' referenced in Ingress '${namespace}/${name}' does not exist.`,
          );
        }
      }
    }
  }
  return out;
}

/** Whether an image reference names a tag other than `latest` (or a digest). */
export function hasPinnedTag(image: string): boolean {
  if (image.includes('@')) return true;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  return colon >= 0 && lastSegment.slice(colon + 1) !== 'latest';
}
