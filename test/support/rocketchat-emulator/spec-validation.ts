/**
 * Conformance checks against Rocket.Chat's own REST descriptions (`../shared/specs/rocketchat/`,
 * OpenAPI 3): the JSON body and required query parameters of every request the bot sends, and
 * the JSON body of every successful answer the emulator gives, so neither side drifts into a
 * dialect a real server would not speak. Keys under `paths` that are not paths ("/api/v1/login -
 * with Facebook", variants the docs site shows) are skipped. The files are read once per process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { repoRoot } from '../build-fixtures.js';

export interface SpecViolation {
  kind: 'request' | 'response';
  /** `POST /api/v1/chat.sendMessage`. */
  operation: string;
  problems: string[];
}

interface Parameter {
  in?: string;
  name?: string;
  required?: boolean;
  $ref?: string;
}

interface Operation {
  template: string;
  pattern: RegExp;
  method: string;
  request?: ValidateFunction;
  /** The JSON body is required by the spec. */
  requiresBody: boolean;
  response?: ValidateFunction;
  query: string[];
}

const files = ['authentication', 'messaging', 'rooms', 'user-management'];
const methods = ['get', 'post', 'put', 'delete', 'patch'];

export class SpecValidator {
  readonly #operations: Operation[] = [];

  constructor(dir = join(repoRoot, '..', 'shared', 'specs', 'rocketchat')) {
    // The specs use OpenAPI keywords (`example`, `nullable`, …) that are not JSON Schema.
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    for (const file of files) {
      const doc = parse(readFileSync(join(dir, `${file}.yaml`), 'utf8')) as {
        paths: Record<string, Record<string, Record<string, unknown>>>;
        components?: { parameters?: Record<string, Parameter> };
      };
      ajv.addSchema(doc as object, file);
      for (const [template, item] of Object.entries(doc.paths)) {
        if (!/^\/api\/v1\/[^\s]+$/.test(template)) continue;
        for (const method of methods) {
          const op = item[method] as
            | {
                parameters?: Parameter[];
                requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
                responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
              }
            | undefined;
          if (!op) continue;
          const pointer = `${file}#/paths/${pointerSegment(template)}/${method}`;
          const params = (op.parameters ?? []).map((p) =>
            p.$ref ? (doc.components?.parameters?.[p.$ref.split('/').pop() ?? ''] ?? {}) : p,
          );
          const compile = (path: string) => ajv.compile({ $ref: `${pointer}/${path}` });
          this.#operations.push({
            template,
            pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`),
            method: method.toUpperCase(),
            ...(op.requestBody?.content?.['application/json']?.schema
              ? { request: compile('requestBody/content/application~1json/schema') }
              : {}),
            requiresBody: op.requestBody?.content?.['application/json'] !== undefined,
            ...(op.responses?.['200']?.content?.['application/json']?.schema
              ? { response: compile('responses/200/content/application~1json/schema') }
              : {}),
            query: params
              .filter((p) => p.in === 'query' && p.required && p.name)
              .map((p) => p.name as string),
          });
        }
      }
    }
  }

  /** Whether the spec describes `METHOD path` at all. */
  knows(method: string, path: string): boolean {
    return this.#find(method, path) !== undefined;
  }

  checkRequest(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): SpecViolation | undefined {
    const op = this.#find(method, path);
    if (!op) return undefined;
    const problems = op.query.filter((q) => !query.has(q)).map((q) => `query parameter ${q} is required`);
    if (op.request) problems.push(...run(op.request, body));
    return problems.length > 0
      ? { kind: 'request', operation: `${op.method} ${op.template}`, problems }
      : undefined;
  }

  checkResponse(method: string, path: string, body: unknown): SpecViolation | undefined {
    const op = this.#find(method, path);
    if (!op?.response) return undefined;
    const problems = run(op.response, body);
    return problems.length > 0
      ? { kind: 'response', operation: `${op.method} ${op.template}`, problems }
      : undefined;
  }

  #find(method: string, path: string): Operation | undefined {
    return this.#operations.find((o) => o.method === method && o.pattern.test(path));
  }
}

function run(validate: ValidateFunction, value: unknown): string[] {
  if (validate(value)) return [];
  return (validate.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || '(body)'} ${e.message ?? 'is invalid'}`);
}

/** A path template as a JSON pointer segment inside a `$ref` URI. */
function pointerSegment(template: string): string {
  return encodeURIComponent(template.replaceAll('~', '~0').replaceAll('/', '~1'));
}

let shared: SpecValidator | undefined;

/** One validator per process: compiling the four files takes a while. */
export function sharedSpecValidator(): SpecValidator {
  shared ??= new SpecValidator();
  return shared;
}
