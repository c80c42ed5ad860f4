import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake received, body as text. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A document as indexed. */
export interface StoredDocument {
  id: string;
  source: Record<string, unknown>;
}

/** An error answer for one bulk item. */
export interface ItemFault {
  status: number;
  type: string;
  reason: string;
}

/** A whole-request fault: the next `times` matching requests get this answer. */
export interface RequestFault {
  /** Which requests: by method and path (`/_bulk`, `/botkube-2025.03.02`, `/`). */
  match(req: { method: string; path: string }): boolean;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  times?: number;
}

export interface FakeElasticsearchOptions {
  /** Require HTTP basic auth with these credentials, or this API key. */
  auth?: { username: string; password: string } | { apiKey: string };
  /** Version reported by `GET /`. */
  version?: string;
  /** Leave out `x-elastic-product` (a server that is not Elasticsearch). */
  withoutProductHeader?: boolean;
}

/**
 * A loopback Elasticsearch: enough of the REST API for the official client (product header,
 * `GET /`, index creation, `_bulk`), validating the bulk format as Elasticsearch does
 * (NDJSON content type, action/source line pairs, trailing newline, no `_type`), keeping
 * documents per index and index creations, and injecting faults on request.
 */
export class FakeElasticsearch {
  readonly requests: RecordedRequest[] = [];
  /** Index name → settings it was created with (`number_of_shards`, …). */
  readonly created = new Map<string, Record<string, unknown>>();
  /** Index creation requests, including ones answered "already exists". */
  readonly createRequests: string[] = [];
  /** Index name → documents by id, in the order first indexed. */
  readonly documents = new Map<string, Map<string, StoredDocument>>();
  /** Bulk bodies the fake refused as malformed, with the reason (a correct client causes none). */
  readonly formatErrors: string[] = [];
  /** Per-item faults, asked for each document; undefined indexes it. */
  itemFault: ((index: string, source: Record<string, unknown>) => ItemFault | undefined) | undefined;
  /** Delay before answering a bulk request. */
  bulkDelayMs = 0;
  readonly #faults: RequestFault[] = [];
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  #nextId = 0;
  url = '';

  constructor(private readonly options: FakeElasticsearchOptions = {}) {}

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Answers the next matching requests with a fault. */
  fail(fault: RequestFault): void {
    this.#faults.push({ times: 1, ...fault });
  }

  /** Bulk requests received, in order. */
  bulkRequests(): RecordedRequest[] {
    return this.requests.filter(
      (r) => r.method === 'POST' && /(^|\/)_bulk$/.test(r.path.split('?')[0] as string),
    );
  }

  docs(index: string): StoredDocument[] {
    return [...(this.documents.get(index)?.values() ?? [])];
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const path = recorded.path.split('?')[0] as string;

    if (!this.#authorized(req)) {
      this.#send(
        res,
        401,
        errorBody('security_exception', 'missing authentication credentials for REST request', 401),
        {
          'www-authenticate': 'Basic realm="security" charset="UTF-8"',
        },
      );
      return;
    }
    const faultIndex = this.#faults.findIndex((f) => f.match({ method: recorded.method, path }));
    if (faultIndex >= 0) {
      const fault = this.#faults[faultIndex] as RequestFault;
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.#faults.splice(faultIndex, 1);
      this.#send(
        res,
        fault.status,
        fault.body ?? errorBody('fault', `injected ${fault.status}`, fault.status),
        fault.headers,
      );
      return;
    }

    if (recorded.method === 'GET' && path === '/') {
      this.#send(res, 200, {
        name: 'fake-node',
        cluster_name: 'fake-cluster',
        cluster_uuid: 'fake-uuid',
        version: {
          number: this.options.version ?? '8.15.0',
          build_flavor: 'default',
          lucene_version: '9.11.1',
        },
        tagline: 'You Know, for Search',
      });
      return;
    }
    if (recorded.method === 'POST' && /^\/(?:[^/_][^/]*\/)?_bulk$/.test(path)) {
      if (this.bulkDelayMs > 0) await new Promise((r) => setTimeout(r, this.bulkDelayMs));
      this.#bulk(recorded, res);
      return;
    }
    if (recorded.method === 'PUT' && /^\/[^/_][^/]*$/.test(path)) {
      this.#createIndex(decodeURIComponent(path.slice(1)), recorded, res);
      return;
    }
    if (/\/_(refresh|flush)$/.test(path)) {
      this.#send(res, 200, { _shards: { total: 1, successful: 1, failed: 0 } });
      return;
    }
    this.#send(res, 404, errorBody('fake_unsupported', `the fake has no ${recorded.method} ${path}`, 404));
  }

  #authorized(req: IncomingMessage): boolean {
    const auth = this.options.auth;
    if (!auth) return true;
    const header = req.headers.authorization ?? '';
    if ('apiKey' in auth) return header === `ApiKey ${auth.apiKey}`;
    return header === `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  }

  #createIndex(index: string, req: RecordedRequest, res: ServerResponse): void {
    this.createRequests.push(index);
    if (this.created.has(index)) {
      this.#send(res, 400, errorBody('resource_already_exists_exception', `index [${index}] already exists`));
      return;
    }
    let body: { settings?: Record<string, unknown> } = {};
    if (req.body !== '') {
      try {
        body = JSON.parse(req.body);
      } catch {
        this.#send(res, 400, errorBody('parse_exception', 'request body is not JSON'));
        return;
      }
    }
    this.created.set(index, flattenSettings(body.settings ?? {}));
    this.#send(res, 200, { acknowledged: true, shards_acknowledged: true, index });
  }

  #bulk(req: RecordedRequest, res: ServerResponse): void {
    const refuse = (reason: string) => {
      this.formatErrors.push(reason);
      this.#send(res, 400, errorBody('illegal_argument_exception', reason));
    };
    const contentType = String(req.headers['content-type'] ?? '');
    if (
      !/^application\/(x-ndjson|vnd\.elasticsearch\+x-ndjson|json|vnd\.elasticsearch\+json)\b/.test(
        contentType,
      )
    ) {
      refuse(`Content-Type header [${contentType}] is not supported`);
      return;
    }
    if (!req.body.endsWith('\n')) {
      refuse('The bulk request must be terminated by a newline [\\n]');
      return;
    }
    const lines = req.body.slice(0, -1).split('\n');
    const items: Record<string, unknown>[] = [];
    let errors = false;
    for (let i = 0; i < lines.length; i += 1) {
      let action: Record<string, Record<string, unknown>>;
      try {
        action = JSON.parse(lines[i] as string);
      } catch {
        refuse(`Malformed action/metadata line [${i + 1}], expected START_OBJECT`);
        return;
      }
      const ops = Object.keys(action);
      const op = ops[0] as string;
      if (ops.length !== 1 || !['index', 'create', 'update', 'delete'].includes(op)) {
        refuse(`Malformed action/metadata line [${i + 1}], expected one of index, create, update, delete`);
        return;
      }
      const meta = action[op] ?? {};
      const unknown = Object.keys(meta).filter((k) => !['_index', '_id', 'routing', 'pipeline'].includes(k));
      if (unknown.length > 0) {
        refuse(`Action/metadata line [${i + 1}] contains an unknown parameter [${unknown[0]}]`);
        return;
      }
      const index = meta._index;
      if (typeof index !== 'string') {
        refuse(`Validation Failed: 1: index is missing for line [${i + 1}]`);
        return;
      }
      if (op === 'delete') {
        items.push({ delete: { _index: index, status: 404, result: 'not_found' } });
        continue;
      }
      i += 1;
      const sourceLine = lines[i];
      if (sourceLine === undefined || sourceLine === '') {
        refuse(`Validation Failed: 1: source is missing for line [${i}]`);
        return;
      }
      let source: Record<string, unknown>;
      try {
        source = JSON.parse(sourceLine);
      } catch {
        refuse(`Malformed source line [${i + 1}]: not JSON`);
        return;
      }
      if (typeof source !== 'object' || source === null || Array.isArray(source)) {
        refuse(`Malformed source line [${i + 1}]: expected an object`);
        return;
      }
      const fault = this.itemFault?.(index, source);
      if (fault) {
        errors = true;
        items.push({
          [op]: {
            _index: index,
            _id: meta._id ?? null,
            status: fault.status,
            error: { type: fault.type, reason: fault.reason },
          },
        });
        continue;
      }
      const id = typeof meta._id === 'string' ? meta._id : `auto-${++this.#nextId}`;
      const stored = this.documents.get(index) ?? new Map<string, StoredDocument>();
      const existed = stored.has(id);
      stored.set(id, { id, source });
      this.documents.set(index, stored);
      items.push({
        [op]: {
          _index: index,
          _id: id,
          _version: 1,
          result: existed ? 'updated' : 'created',
          status: existed ? 200 : 201,
          _shards: { total: 1, successful: 1, failed: 0 },
          _seq_no: this.#nextId,
          _primary_term: 1,
        },
      });
    }
    this.#send(res, 200, { took: 1, errors, items });
  }

  #send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/vnd.elasticsearch+json;compatible-with=8',
      'content-length': Buffer.byteLength(text),
      ...(this.options.withoutProductHeader ? {} : { 'x-elastic-product': 'Elasticsearch' }),
      ...headers,
    });
    res.end(text);
  }
}

/** Starts a fake on a free loopback port. */
export function startFakeElasticsearch(options: FakeElasticsearchOptions = {}): Promise<FakeElasticsearch> {
  return new FakeElasticsearch(options).start();
}

function errorBody(type: string, reason: string, status = 400) {
  return { error: { root_cause: [{ type, reason }], type, reason }, status };
}

/** `{index: {number_of_shards: 2}}` and `{number_of_shards: 2}` both become `{number_of_shards: 2}`. */
function flattenSettings(settings: Record<string, unknown>): Record<string, unknown> {
  const inner = settings.index;
  if (inner && typeof inner === 'object') return { ...(inner as Record<string, unknown>) };
  return { ...settings };
}
