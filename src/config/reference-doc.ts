/**
 * Renders docs/config.md from the schema (through its JSON Schema), so the reference cannot
 * drift from what the loader accepts: scripts/gen-config-docs.mjs writes it and a test fails
 * when the committed file differs.
 */
import { configJsonSchema } from './json-schema.js';
import type { JsonSchemaNode } from './json-schema-walk.js';

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

const code = (text: string) => `\`${text}\``;

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function branches(node: JsonSchemaNode): JsonSchemaNode[] {
  return node.anyOf ?? node.oneOf ?? [];
}

function isOpaque(node: JsonSchemaNode): boolean {
  return (
    node.type === undefined && !node.properties && branches(node).length === 0 && !node.items && !node.enum
  );
}

/** A short type name for people: `boolean`, `duration`, `"text" \| "json"`, `list of string`… */
function typeOf(node: JsonSchemaNode): string {
  const kind = node['x-kind'];
  if (kind === 'secret' || kind === 'duration' || kind === 'port') return kind;
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum)
    return node.enum
      .filter((v) => v !== '')
      .map((v) => JSON.stringify(v))
      .join(' | ');
  const options = branches(node);
  if (options.length > 0) {
    if (options.some((o) => o.type === 'boolean')) return 'boolean';
    if (options.some((o) => o.type === 'integer')) return 'integer';
    if (options.every((o) => o.type === 'object')) return 'object';
    return [...new Set(options.map(typeOf))].join(' or ');
  }
  if (Array.isArray(node.type)) return node.type.includes('string') ? 'string' : node.type.join(' or ');
  if (node.type === 'array') return `list of ${node.items ? typeOf(node.items) : 'any'}`;
  if (node.type === 'object') return node.properties ? 'object' : 'map';
  if (node.type === 'integer') return 'integer';
  return node.type ?? 'any';
}

function defaultOf(node: JsonSchemaNode): string {
  const value = node.default;
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.length === 0 ? code('[]') : code(JSON.stringify(value));
  if (typeof value === 'object' && value !== null) return '';
  if (value === '') return code('""');
  return code(String(value));
}

/** Rows for `node` at `path` and everything below it; ignored and unsupported keys are listed apart. */
function collect(node: JsonSchemaNode, path: string, rows: Row[], ignored: Row[], unsupported: Row[]): void {
  const row = (extra = '') => ({
    key: code(path),
    type: typeOf(node),
    default: defaultOf(node),
    description: `${node.description ?? ''}${extra}`,
  });
  if (node['x-ignored'] !== undefined) {
    ignored.push({ ...row(), type: 'any', description: node['x-ignored'] as string });
    return;
  }
  if (node['x-unsupported'] !== undefined) {
    unsupported.push({ ...row(), type: 'object', description: node['x-unsupported'] as string });
    return;
  }
  const container = node.type === 'object' && node['x-kind'] === undefined;
  if (path !== '' && !(container && node.description === undefined)) rows.push(row());
  if (node['x-kind'] !== undefined || isOpaque(node)) return;
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    collect(child, path === '' ? key : `${path}.${key}`, rows, ignored, unsupported);
  }
  if (typeof node.additionalProperties === 'object') {
    const placeholder = (node['x-key'] ?? node['x-entry-key'] ?? '<name>') as string;
    collect(node.additionalProperties, `${path}.${placeholder}`, rows, ignored, unsupported);
  }
  if (node.items && (node.items.properties || typeof node.items.additionalProperties === 'object')) {
    for (const [key, child] of Object.entries(node.items.properties ?? {})) {
      collect(child, `${path}[].${key}`, rows, ignored, unsupported);
    }
  }
  const objectBranches = branches(node).filter((b) => b.properties);
  for (const branch of objectBranches) {
    const discriminator = Object.entries(branch.properties ?? {}).find(([, p]) => p.const !== undefined);
    const when = discriminator ? ` (when \`${discriminator[0]}: ${String(discriminator[1].const)}\`)` : '';
    for (const [key, child] of Object.entries(branch.properties ?? {})) {
      if (child.const !== undefined) continue;
      const before = rows.length;
      collect(child, `${path}.${key}`, rows, ignored, unsupported);
      for (const added of rows.slice(before)) added.description += when;
    }
  }
}

/** A markdown table with columns padded to equal width (the form the formatter keeps). */
function table(header: readonly string[], body: readonly (readonly string[])[]): string {
  const all = [header, ...body].map((r) => r.map(cell));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [
    line(all[0] as string[]),
    `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`,
    ...all.slice(1).map(line),
  ].join('\n');
}

const intro = `# Configuration reference

<!-- Generated from src/config/schema.ts by scripts/gen-config-docs.mjs. Do not edit by hand. -->

Switchboard reads Botkube's configuration model: a Botkube configuration loads unchanged, and
Switchboard adds platforms (\`rocketChat\`, \`console\`) and settings of its own. Check a
configuration with \`switchboard config validate -c file.yaml\`; print the merged result, with
defaults and secrets redacted, with \`switchboard config show -c file.yaml\`.

## Loading

1. **Files**, in the order given (\`-c a.yaml -c b.yaml\`, or the comma-separated
   \`SWITCHBOARD_CONFIG_PATHS\`, else \`BOTKUBE_CONFIG_PATHS\`). Files whose name starts with \`_\`
   (runtime state such as \`_runtime_state.yaml\`) are merged after all the others. Maps merge key by
   key; lists and scalars replace; \`null\` means "not set" (the default applies).
2. **Environment variables** override the files, named as in Botkube: the prefix, then the path with
   \`_\` between levels and \`__\` before each upper-case letter of a camelCase key.
   \`SWITCHBOARD_SETTINGS_CLUSTER__NAME=prod\` sets \`settings.clusterName\`;
   \`SWITCHBOARD_COMMUNICATIONS_DEFAULT-GROUP_SOCKET__SLACK_BOT__TOKEN\` sets
   \`communications.default-group.socketSlack.botToken\`. \`BOTKUBE_\` variables are read too, so a
   Botkube deployment keeps working; \`SWITCHBOARD_\` wins when both set a key. Only variables whose
   first segment is a top-level key count (so \`SWITCHBOARD_SERVICE_HOST\` is left alone). A value
   starting with \`[\` or \`{\` is YAML flow syntax (\`SWITCHBOARD_ALIASES={k: {command: kubectl}}\`);
   other values are text, read as numbers or booleans where the schema wants them.
3. **Defaults** come from the schema (the Default column below) and nowhere else.
4. **Validation** reports every problem at once, each with file, line and column (or the variable),
   the path, the value and what was expected. Errors stop the agent; warnings do not.

A file that is empty or holds only comments is an error (a truncated save must not replace a
running config with "nothing enabled"); write \`{}\` for a file that deliberately sets nothing.
Duplicate keys are an error, and so are YAML aliases that expand more than 10,000 times (a
"billion laughs" document).

The validated configuration is frozen. With \`configWatcher.enabled\`, the agent watches the files and
the secret files they read (their directories, so editor renames and Kubernetes ConfigMap and Secret
updates are seen) and applies a valid change by restarting only what changed; an invalid change is
reported and the running config kept.

## Secrets

Any field of type \`secret\` takes one of three forms; the value is never printed (logs,
\`config show\` and errors show \`[redacted]\`):

\`\`\`yaml
botToken: xoxb-inline-value # inline
botToken: { fromFile: /run/secrets/slack-bot } # read at load time; one trailing newline dropped
botToken: { fromEnv: SLACK_BOT_TOKEN } # read from the agent's environment
\`\`\`

A relative \`fromFile\` path is taken from the directory of the config file that names it. A missing
file or unset variable is a load error naming the file and line of the reference. A \`fromFile\`
secret must be a regular file of at most 64 KiB; symlinks are followed (Kubernetes Secret mounts
are symlinks), and a device, FIFO, directory or larger file is an error naming the file, the
field and the limit.

## Unknown keys and Botkube keys

- A key the schema does not know is an **error** with a "did you mean" suggestion: a typo must not
  silently turn a setting off.
- A Botkube key Switchboard has no use for (listed at the end) is **accepted with a warning**.
- A platform Switchboard does not run (Discord for now, Mattermost, PagerDuty,
  Botkube Cloud, the legacy Slack and Teams bots) is accepted; a **warning** says so when it is
  enabled.
- Inside a block whose \`enabled\` is \`false\` (a platform, a plugin entry, an action), only the
  shapes of values are checked, as Botkube does: Botkube's chart renders disabled blocks with
  placeholders such as \`server: ELASTICSEARCH_ADDRESS\`. Values are checked once the block is enabled.
- A key written in another case than the schema's (\`RBAC\` for \`rbac\`; Botkube matched keys
  case-insensitively) is read with a warning.
- Bindings must name existing source and executor groups (an error naming the channel), and enabled
  plugins bound together must agree on repository and version, as in Botkube.

## Editor support

[config.schema.json](../config.schema.json) is the JSON Schema (draft-07) of this file, generated from
the same schema. With the YAML language server, start a config file with
\`# yaml-language-server: $schema=<path or URL of config.schema.json>\`.
`;

/** The full text of docs/config.md. */
export function renderConfigDoc(): string {
  const root = configJsonSchema();
  const sections: string[] = [intro];
  const ignored: Row[] = [];
  const unsupported: Row[] = [];
  const top = Object.entries(root.properties ?? {});
  sections.push(
    '## Top-level keys\n',
    table(
      ['Key', 'Contents'],
      top.map(([key, node]) => [code(key), node.description ?? '']),
    ),
  );
  for (const [key, node] of top) {
    const rows: Row[] = [];
    collect(node, key, rows, ignored, unsupported);
    sections.push(
      `## \`${key}\`\n`,
      node.description ?? '',
      table(
        ['Key', 'Type', 'Default', 'Description'],
        rows.map((r) => [r.key, r.type, r.default, r.description]),
      ),
    );
  }
  sections.push(
    '## Platforms accepted but not run\n',
    table(
      ['Key', 'Why'],
      unsupported.map((r) => [r.key, r.description]),
    ),
    '## Botkube keys accepted and ignored\n',
    table(
      ['Key', 'Why'],
      ignored.map((r) => [r.key, r.description]),
    ),
  );
  return `${sections.join('\n\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
