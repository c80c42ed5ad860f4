/** A config or payload schema: an inline JSON Schema object or text, or a URL to one. */
export type SchemaSpec = Record<string, unknown> | { value: string } | { refUrl: string };

/** What a plugin says about itself; the index builder publishes it. */
export interface PluginMetadata {
  /** Semver, with or without a leading `v`. */
  version: string;
  description: string;
  /** Schema of the plugin's `config`. */
  jsonSchema?: SchemaSpec;
  /** Binaries the host downloads next to the plugin, by name, per `<os>/<arch>`. */
  dependencies?: Record<string, { urls: Record<string, string> }>;
  documentationUrl?: string;
  recommended?: boolean;
}

/** Proto form shared by executor and source JSONSchema messages. */
export function schemaToProto(schema: SchemaSpec | undefined): { value: string; refUrl: string } | undefined {
  if (schema === undefined) return undefined;
  if ('refUrl' in schema && typeof schema.refUrl === 'string') return { value: '', refUrl: schema.refUrl };
  if ('value' in schema && typeof schema.value === 'string') return { value: schema.value, refUrl: '' };
  return { value: JSON.stringify(schema), refUrl: '' };
}

/** Checks what Botkube's index builder requires, so a bad plugin fails at start, not at publish time. */
export function validateMetadata(metadata: PluginMetadata): void {
  if (!metadata.version) throw new Error('plugin metadata: version is required');
  if (!metadata.description) throw new Error('plugin metadata: description is required');
  for (const [name, dep] of Object.entries(metadata.dependencies ?? {})) {
    for (const [platform, url] of Object.entries(dep.urls)) {
      if (!url) throw new Error(`plugin metadata: dependency ${name} has an empty URL for ${platform}`);
    }
  }
}

/** The MetadataResponse fields executors and sources share (field names as generated). */
export function metadataResponseFields(metadata: PluginMetadata) {
  return {
    version: metadata.version,
    description: metadata.description,
    jsonSchema: schemaToProto(metadata.jsonSchema),
    dependencies: metadata.dependencies ?? {},
    documentationUrl: metadata.documentationUrl ?? '',
    recommended: metadata.recommended ?? false,
  };
}
