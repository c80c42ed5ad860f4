/**
 * Conformance checks against Discord's own OpenAPI 3.1 description (`shared/specs/discord`): each
 * REST request body the bot sends and each response the emulator gives is validated against the
 * operation's schema, so the emulator cannot drift into a dialect real Discord would reject. The
 * spec allows 4,000 characters of content (the Nitro limit); bots get 2,000, checked in rest.ts.
 * Schemas compile on first use (about a second each) and are shared by every emulator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { repoRoot } from '../build-fixtures.js';

/** One failed check: what was checked and every JSON pointer that did not match. */
export interface SpecViolation {
  kind: 'request' | 'response';
  /** `METHOD /route/{template}`. */
  subject: string;
  problems: string[];
}

/** The operation path templates of the spec the emulator serves, in matching order. */
export const specRoutes = [
  '/gateway/bot',
  '/users/@me',
  '/users/@me/channels',
  '/users/{user_id}',
  '/channels/{channel_id}',
  '/channels/{channel_id}/messages',
  '/channels/{channel_id}/messages/{message_id}',
  '/applications/{application_id}/guilds/{guild_id}/commands',
  '/interactions/{interaction_id}/{interaction_token}/callback',
  '/webhooks/{webhook_id}/{webhook_token}',
  '/webhooks/{webhook_id}/{webhook_token}/messages/@original',
  '/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}',
] as const;
export type SpecRoute = (typeof specRoutes)[number];

const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

export class DiscordSpecValidator {
  readonly #ajv: Ajv2020;
  readonly #compiled = new Map<string, ValidateFunction | null>();
  readonly #paths: Record<string, Record<string, unknown>>;

  constructor() {
    const file = join(repoRoot, '..', 'shared', 'specs', 'discord', 'openapi.json');
    const spec = JSON.parse(readFileSync(file, 'utf8')) as {
      paths: Record<string, Record<string, unknown>>;
      components: unknown;
    };
    this.#paths = spec.paths;
    // Formats (snowflake, int64, uri…) are the spec's documentation; their patterns are checked.
    this.#ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.#ajv.addSchema({ $id: 'discord-openapi', components: spec.components, paths: spec.paths });
  }

  /** Problems of a JSON request body, or [] when it matches (or the operation takes none). */
  request(route: SpecRoute, method: string, body: unknown): string[] {
    const verb = method.toLowerCase();
    return this.#check(
      `${verb} ${route} request`,
      () => {
        const op = this.#paths[route]?.[verb] as
          | { requestBody?: { content?: Record<string, unknown> } }
          | undefined;
        if (!op?.requestBody?.content?.['application/json']) return undefined;
        return `#/paths/${pointer(route)}/${verb}/requestBody/content/application~1json/schema`;
      },
      body,
    );
  }

  /** Problems of a JSON response body for `status`, or [] when it matches. */
  response(route: SpecRoute, method: string, status: number, body: unknown): string[] {
    const verb = method.toLowerCase();
    return this.#check(
      `${verb} ${route} ${status}`,
      () => {
        const op = this.#paths[route]?.[verb] as
          | { responses?: Record<string, { content?: Record<string, unknown> }> }
          | undefined;
        const key = op?.responses?.[String(status)]
          ? String(status)
          : status >= 400 && status < 500
            ? '4XX'
            : undefined;
        if (!key || !op?.responses?.[key]?.content?.['application/json']) return undefined;
        return `#/paths/${pointer(route)}/${verb}/responses/${key}/content/application~1json/schema`;
      },
      body,
    );
  }

  #check(key: string, locate: () => string | undefined, value: unknown): string[] {
    let validate = this.#compiled.get(key);
    if (validate === undefined) {
      const at = locate();
      validate = at ? this.#ajv.compile({ $ref: `discord-openapi${at}` }) : null;
      this.#compiled.set(key, validate);
    }
    if (!validate || validate(value)) return [];
    return describe(validate.errors ?? []);
  }
}

/**
 * The errors that say what is wrong: the spec's oneOf/anyOf alternatives report every branch
 * that did not match; limits and required fields are what a sender can fix, so they come first.
 */
function describe(errors: ErrorObject[]): string[] {
  const rank = (e: ErrorObject) =>
    [
      'maxLength',
      'minLength',
      'maxItems',
      'minItems',
      'required',
      'maximum',
      'minimum',
      'pattern',
      'additionalProperties',
    ].includes(e.keyword)
      ? 0
      : 1;
  return [...errors]
    .sort((a, b) => rank(a) - rank(b))
    .map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
}

/** The first problem of `errors` as Discord's 50035 `errors` tree (`{a: {0: {_errors: […]}}}`). */
export function errorTree(problem: string, code: string): Record<string, unknown> {
  const [path = '/', ...words] = problem.split(' ');
  const segments = path.split('/').filter(Boolean);
  const leaf = { _errors: [{ code, message: words.join(' ') }] };
  return segments.reduceRight<Record<string, unknown>>((inner, segment) => ({ [segment]: inner }), leaf);
}

let shared: DiscordSpecValidator | undefined;
/** One validator for every emulator in the process: compiling the spec's schemas is slow. */
export function sharedDiscordSpecValidator(): DiscordSpecValidator {
  shared ??= new DiscordSpecValidator();
  return shared;
}
