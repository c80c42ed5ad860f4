/** What a plugin says about itself, in one shape for executors and sources. */
export interface PluginMetadataInfo {
  version: string;
  description: string;
  jsonSchema?: { value?: string; refUrl?: string };
  /** Dependency name → `<os>/<arch>` → URL. */
  dependencies: Record<string, Record<string, string>>;
  documentationUrl: string;
  recommended: boolean;
  /** Sources only: the incoming webhook payload schema, when declared. */
  externalRequest?: { payloadJsonSchema?: { value?: string; refUrl?: string } };
}

interface ProtoSchema {
  value: string;
  refUrl: string;
}

interface ProtoMetadata {
  version: string;
  description: string;
  jsonSchema?: ProtoSchema;
  dependencies: { [name: string]: { urls: { [platform: string]: string } } };
  documentationUrl: string;
  recommended: boolean;
  externalRequest?: { payload?: { jsonSchema?: ProtoSchema } };
}

function schema(s: ProtoSchema | undefined): { value?: string; refUrl?: string } | undefined {
  if (s === undefined || (s.value === '' && s.refUrl === '')) return undefined;
  return s.refUrl !== '' ? { refUrl: s.refUrl } : { value: s.value };
}

/** Converts an executor or source MetadataResponse. */
export function metadataFromProto(m: ProtoMetadata): PluginMetadataInfo {
  const info: PluginMetadataInfo = {
    version: m.version,
    description: m.description,
    dependencies: Object.fromEntries(Object.entries(m.dependencies).map(([k, v]) => [k, { ...v.urls }])),
    documentationUrl: m.documentationUrl,
    recommended: m.recommended,
  };
  const configSchema = schema(m.jsonSchema);
  if (configSchema) info.jsonSchema = configSchema;
  if (m.externalRequest) {
    const payload = schema(m.externalRequest.payload?.jsonSchema);
    info.externalRequest = payload ? { payloadJsonSchema: payload } : {};
  }
  return info;
}
