/**
 * Request bodies as Slack accepts them: form-urlencoded (what @slack/web-api sends), JSON (token
 * then only in the Authorization header), multipart/form-data (Buffers and uploads), and query
 * parameters (which Slack also accepts on POST).
 */
import type { IncomingMessage } from 'node:http';
import { SlackApiError } from './web-api/api-error.js';

export interface ParsedRequest {
  args: Record<string, unknown>;
  /** JSON body: Slack ignores a `token` inside it. */
  isJson: boolean;
  /** File parts of a multipart body, by field name. */
  files: Map<string, { filename: string; content: Buffer }>;
}

/** Reads the whole body; rejects past `limitBytes` (Slack answers 413 to huge bodies). */
export async function readBody(request: IncomingMessage, limitBytes = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Decodes arguments from the query string and body. Malformed bodies give Slack's error codes. */
export async function parseRequest(request: IncomingMessage, body: Buffer): Promise<ParsedRequest> {
  const url = new URL(request.url ?? '/', 'http://emulator');
  const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files = new Map<string, { filename: string; content: Buffer }>();
  const contentType = (request.headers['content-type'] ?? '').toLowerCase();
  if (body.length === 0) return { args, isJson: false, files };
  if (contentType.startsWith('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new SlackApiError('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new SlackApiError('json_not_object');
    return { args: { ...args, ...(parsed as Record<string, unknown>) }, isJson: true, files };
  }
  if (contentType.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(body), {
        headers: { 'content-type': contentType },
      }).formData();
    } catch {
      throw new SlackApiError('invalid_form_data');
    }
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') args[name] = value;
      else files.set(name, { filename: value.name, content: Buffer.from(await value.arrayBuffer()) });
    }
    return { args, isJson: false, files };
  }
  if (contentType === '' || contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(body.toString('utf8'))) args[name] = value;
    return { args, isJson: false, files };
  }
  throw new SlackApiError('invalid_post_type');
}

/** The bearer token of the Authorization header, or the `token` argument of a non-JSON request. */
export function requestToken(request: IncomingMessage, parsed: ParsedRequest): string | undefined {
  const header = request.headers.authorization;
  const bearer = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
  if (bearer) return bearer;
  const token = parsed.isJson ? undefined : parsed.args.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}
