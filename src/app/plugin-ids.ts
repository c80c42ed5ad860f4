/** The repository a plugin key (`<repo>/<name>`) comes from. */
export const repoOf = (key: string): string => key.split('/')[0] ?? key;

/** A used plugin's ID in the agent's maps and retry keys: `<kind>:<key>`. */
export const usedId = (u: { kind: string; key: string }): string => `${u.kind}:${u.key}`;
