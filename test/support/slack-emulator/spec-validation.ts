/**
 * Conformance checks against Slack's own API descriptions (vendored in spec/, see
 * spec/extract-spec.mjs): Web API requests and responses against the archived OpenAPI 2.0 spec,
 * and Events API payloads against the event wrapper schema.
 *
 * The archived spec (2021) has bugs and predates some of today's fields and error codes. Each
 * relaxation below is applied to an in-memory copy and says why; everything else is checked as
 * written, including `additionalProperties: false` on objects and the ID/ts patterns.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/** One failed check: what was checked and every JSON pointer that did not match. */
export interface SpecViolation {
  kind: 'request' | 'response' | 'event';
  /** The Web API method, or the event type. */
  subject: string;
  problems: string[];
}

type Schema = Record<string, unknown>;
interface Operation {
  parameters: { in: string; name: string; required?: boolean; type?: string }[];
  responses: { '200': { schema: Schema }; default: { schema: Schema } };
}

/**
 * Error codes Slack answers today that the 2021 spec's per-method `error` enums lack:
 * `ratelimited` is the body of every HTTP 429 (the spec says `rate_limited`, which Slack does not
 * send); Block Kit errors arrived after the spec was generated; the rest are documented on
 * docs.slack.dev for these methods.
 */
const COMMON_EXTRA_ERRORS = [
  'ratelimited',
  'not_allowed_token_type',
  'token_revoked',
  'invalid_arguments',
  // Request-format errors every method can answer; the spec lists them for some methods only.
  'invalid_json',
  'json_not_object',
  'invalid_form_data',
  'invalid_post_type',
];
const EXTRA_ERRORS: Record<string, string[]> = {
  'chat.postMessage': [
    'invalid_blocks',
    'invalid_blocks_format',
    'msg_blocks_too_long',
    'invalid_attachments',
  ],
  'chat.update': [
    'invalid_blocks',
    'invalid_blocks_format',
    'msg_blocks_too_long',
    'invalid_attachments',
    'not_in_channel',
  ],
  'chat.postEphemeral': [
    'invalid_blocks',
    'invalid_blocks_format',
    'msg_blocks_too_long',
    'invalid_attachments',
    'not_in_channel',
    'user_not_found',
    'invalid_thread_ts',
  ],
  'conversations.list': ['invalid_cursor', 'invalid_limit', 'invalid_types'],
  'conversations.members': ['not_in_channel'],
};

export class SpecValidator {
  private readonly operations = new Map<string, { verb: string; operation: Operation }>();
  private readonly ajv: Ajv;
  /** Form values are strings on the wire; this instance coerces them to the declared types. */
  private readonly formAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly wrapper: ValidateFunction;
  private readonly messageTopic: ValidateFunction;

  constructor() {
    const spec = readJson('spec/web-api-subset.json') as {
      paths: Record<string, Record<string, Operation>>;
      definitions: Record<string, Schema>;
    };
    relaxSpec(spec);
    for (const [path, entry] of Object.entries(spec.paths)) {
      for (const [verb, operation] of Object.entries(entry))
        this.operations.set(path.slice(1), { verb, operation });
    }
    this.ajv = new Ajv({ strict: false, allErrors: true });
    for (const ajv of [this.ajv, this.formAjv]) {
      ajv.addFormat('uri', (value: string) => URL.canParse(value));
      ajv.addFormat('url', (value: string) => URL.canParse(value));
      ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
    }
    this.ajv.addSchema({ $id: 'slack-web-api.json', definitions: spec.definitions, paths: spec.paths });
    const wrapper = readJson('spec/event-wrapper-schema.json') as Schema;
    // `authed_users` was deprecated in 2020 in favour of `authorizations` and is no longer sent
    // (bolt reads only `authorizations`); the schema still requires it.
    wrapper.required = (wrapper.required as string[]).filter((key) => key !== 'authed_users');
    delete wrapper.$schema;
    this.wrapper = this.ajv.compile(wrapper);
    const messageTopic = readJson('spec/message-topic-schema.json') as {
      required: string[];
      properties: { event: { properties: { previous_message: Schema } } };
    };
    // Generated from one message_deleted sample (a deleted file comment): drop the deprecated
    // authed_users as above, and the sample's own fields required of `previous_message`, which is
    // whatever message was deleted. The event's own required fields stay.
    messageTopic.required = messageTopic.required.filter((key) => key !== 'authed_users');
    delete messageTopic.properties.event.properties.previous_message.required;
    this.messageTopic = this.ajv.compile(messageTopic);
  }

  /** Whether the spec describes `method`. */
  covers(method: string): boolean {
    return this.operations.has(method);
  }

  /**
   * Checks a request's arguments against the method's formData/query parameters: required ones
   * present, types coercible from their form encoding. Unknown arguments are allowed, as Slack
   * ignores them (bolt adds `team_id`; the spec lacks newer arguments such as `metadata`).
   */
  checkRequest(method: string, args: Record<string, unknown>, hasToken: boolean): string[] {
    const operation = this.operations.get(method)?.operation;
    if (!operation) return [];
    const problems: string[] = [];
    const tokenParam = operation.parameters.find((p) => p.name === 'token' && p.required);
    if (tokenParam && !hasToken) problems.push('/token is required');
    const key = `request:${method}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const params = operation.parameters.filter((p) => p.name !== 'token' && p.in !== 'header');
      validate = this.formAjv.compile({
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name, { type: p.type ?? 'string' }])),
        required: params.filter((p) => p.required).map((p) => p.name),
      });
      this.compiled.set(key, validate);
    }
    // The spec declares JSON arguments (blocks, attachments) as the strings the form carries.
    const wire = Object.fromEntries(
      Object.entries(args).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v]),
    );
    if (!validate(wire)) problems.push(...describe(validate.errors));
    if (typeof wire.blocks === 'string') {
      const blocks = this.compiledRef('blocks', 'slack-web-api.json#/definitions/blocks');
      let parsed: unknown;
      try {
        parsed = JSON.parse(wire.blocks);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined && !blocks(parsed)) problems.push(...describe(blocks.errors, '/blocks'));
    }
    return problems;
  }

  /** Checks a response body against the method's success (ok:true) or error (ok:false) schema. */
  checkResponse(method: string, body: Record<string, unknown>): string[] {
    const verb = this.operations.get(method)?.verb;
    if (!verb) return [];
    const status = body.ok === true ? '200' : 'default';
    const pointer = `slack-web-api.json#/paths/~1${method}/${verb}/responses/${status}/schema`;
    const validate = this.compiledRef(`response:${method}:${status}`, pointer);
    return validate(body) ? [] : describe(validate.errors);
  }

  /** Checks an Events API `event_callback` payload (and message_deleted events against their topic schema). */
  checkEvent(payload: Record<string, unknown>): string[] {
    const problems = this.wrapper(payload) ? [] : describe(this.wrapper.errors);
    const event = payload.event as Record<string, unknown> | undefined;
    if (event?.type === 'message' && event.subtype === 'message_deleted' && !this.messageTopic(payload)) {
      problems.push(...describe(this.messageTopic.errors));
    }
    return problems;
  }

  private compiledRef(key: string, ref: string): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.compiled.set(key, validate);
    }
    return validate;
  }
}

let shared: SpecValidator | undefined;

/**
 * One validator per process: compiling the schemas costs about a second, and a validator holds
 * nothing but compiled schemas, so emulators in the same test file share it.
 */
export function sharedSpecValidator(): SpecValidator {
  shared ??= new SpecValidator();
  return shared;
}

/** Applies the documented relaxations. */
function relaxSpec(spec: {
  paths: Record<string, Record<string, Operation>>;
  definitions: Record<string, Schema>;
}) {
  // The generator wrote alternatives as `items: [A, B]` without `type: array` (e.g. a conversation
  // is a channel, an MPIM or an IM; bot_id is an ID or null). As written that validates nothing;
  // read as the `anyOf` it means, so objects are checked against their real shapes.
  tupleItemsToAnyOf(spec);
  // chat.postMessage's message carries `app_id` since 2020 (docs.slack.dev); the object schema
  // forbids unknown properties.
  const message = spec.definitions.objs_message as { properties: Record<string, unknown> };
  message.properties.app_id = { $ref: '#/definitions/defs_app_id' };
  for (const [path, entry] of Object.entries(spec.paths)) {
    const method = path.slice(1);
    for (const operation of Object.values(entry)) {
      const error = operation.responses.default.schema as {
        properties: Record<string, Schema & { enum?: string[] }>;
      };
      // Slack's error bodies carry diagnostics the spec's closed error objects do not list:
      // `response_metadata.messages` ("[ERROR] … [json-pointer:…]"), `errors` (invalid_blocks),
      // `needed`/`provided` (missing_scope), `warning`.
      error.properties.response_metadata = { type: 'object' };
      error.properties.errors = { type: 'array', items: { type: 'string' } };
      error.properties.needed = { type: 'string' };
      error.properties.provided = { type: 'string' };
      error.properties.warning = { type: 'string' };
      const codes = error.properties.error;
      if (codes?.enum)
        codes.enum = [...new Set([...codes.enum, ...COMMON_EXTRA_ERRORS, ...(EXTRA_ERRORS[method] ?? [])])];
    }
  }
  // chat.update's success schema types `message.blocks` as an object; Slack returns the blocks array.
  const update = spec.paths['/chat.update']?.post?.responses['200'].schema as {
    properties: { message: { properties: Record<string, unknown> } };
  };
  update.properties.message.properties.blocks = { $ref: '#/definitions/blocks' };
}

function tupleItemsToAnyOf(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) tupleItemsToAnyOf(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const schema = node as Schema;
  if (Array.isArray(schema.items) && schema.type !== 'array') {
    schema.anyOf = schema.items;
    delete schema.items;
  }
  for (const value of Object.values(schema)) tupleItemsToAnyOf(value);
}

function describe(errors: ErrorObject[] | null | undefined, prefix = ''): string[] {
  return (errors ?? []).map((e) => {
    const where = `${prefix}${e.instancePath}` || '/';
    const detail =
      e.keyword === 'additionalProperties'
        ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues.slice(0, 8))}…)`
          : '';
    return `${where} ${e.message ?? e.keyword}${detail}`;
  });
}

function readJson(relative: string): unknown {
  return JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'));
}
