/** A watched resource, parsed from Botkube's type string. */
export interface ResourceType {
  /** `''` for the core group. */
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  /** The type string as Botkube writes it: `v1/pods`, `apps/v1/deployments`. */
  key: string;
  /** `/api/v1` or `/apis/<group>/<version>`. */
  groupVersionPath: string;
}

/**
 * Parses `v1/<plural>` (core group) or `<group>/<version>/<plural>`, Botkube's resource type
 * syntax; throws naming the expected form for anything else.
 */
export function parseResourceType(type: string): ResourceType {
  const parts = type.split('/');
  const ok = parts.every((p) => /^[a-z0-9][a-z0-9.-]*$/u.test(p));
  if (ok && parts.length === 2) {
    const [version = '', resource = ''] = parts;
    return { group: '', version, resource, key: type, groupVersionPath: `/api/${version}` };
  }
  if (ok && parts.length === 3) {
    const [group = '', version = '', resource = ''] = parts;
    return { group, version, resource, key: type, groupVersionPath: `/apis/${group}/${version}` };
  }
  throw new Error(
    `"${type}" is not a resource type; expected v1/<plural> for the core group or <group>/<version>/<plural> (e.g. apps/v1/deployments)`,
  );
}

/** The type key for an object's apiVersion and plural (`apps/v1` + `deployments` → `apps/v1/deployments`). */
export function typeKey(apiVersion: string, plural: string): string {
  return `${apiVersion}/${plural}`;
}
