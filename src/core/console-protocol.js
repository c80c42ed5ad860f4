/**
 * The web console's WebSocket protocol: JSON text frames, one object each, with a `type`.
 * This one file is loaded by the page (served as a static ES module), by the agent's console
 * server and by `switchboard chat`, so the three cannot drift; `console-protocol.d.ts` types it for
 * TypeScript. It must stay plain, dependency-free JavaScript that runs in browsers and Node.
 * Spec: docs/console.md, "Protocol".
 */

/** Bumped on any incompatible change; sent in `hello`. */
export const protocolVersion = 1;

/** Path of the WebSocket endpoint. */
export const socketPath = '/ws';

/** Longest command a client may send, in characters (UTF-16 code units). */
export const maxCommandLength = 8192;

/** Largest frame a client may send, in bytes; larger frames close the socket (code 1009). */
export const maxClientFrameBytes = 64 * 1024;

/** How a command was given: typed, or by using a button, select or input of a message. */
export const commandOrigins = ['typed', 'button', 'select', 'multi-select', 'text-input'];

const serverTypes = ['hello', 'history', 'message', 'edit', 'form', 'status', 'error'];

/**
 * Builds a command frame. `value` is what a select (one value), multi-select (several) or text
 * input supplied; the server appends it to `text` as Botkube does. `source` is the id of the
 * message the control was in, which an answer marked `replaceOriginal` replaces.
 */
export function commandFrame(channel, text, options = {}) {
  const frame = { type: 'command', channel, text, origin: options.origin ?? 'typed' };
  if (options.value !== undefined) frame.value = options.value;
  if (options.source !== undefined) frame.source = options.source;
  if (options.ref !== undefined) frame.ref = options.ref;
  return frame;
}

/**
 * Reads one frame a client sent. Never throws: returns `{ ok: true, frame }`, or
 * `{ ok: false, error, ref? }` with an error that names the field and what was expected, safe to
 * send back. `limits.maxCommandLength` defaults to {@link maxCommandLength}.
 */
export function readClientFrame(data, limits = {}) {
  const maxLength = limits.maxCommandLength ?? maxCommandLength;
  let value;
  try {
    value = JSON.parse(data);
  } catch {
    return { ok: false, error: 'frame is not JSON; expected an object such as {"type":"command",…}' };
  }
  if (!isObject(value)) return { ok: false, error: 'frame must be a JSON object with a "type"' };
  const ref = typeof value.ref === 'string' && value.ref.length <= 64 ? value.ref : undefined;
  const fail = (error) => (ref === undefined ? { ok: false, error } : { ok: false, error, ref });
  if (value.type !== 'command') {
    return fail(`unknown frame type ${quote(value.type)}; expected "command"`);
  }
  if (value.ref !== undefined && ref === undefined) {
    return { ok: false, error: 'ref must be a string of at most 64 characters' };
  }
  if (typeof value.channel !== 'string' || value.channel === '') {
    return fail('channel must be a non-empty string (the channel name)');
  }
  if (typeof value.text !== 'string') return fail('text must be a string (the command)');
  const origin = value.origin ?? 'typed';
  if (!commandOrigins.includes(origin)) {
    return fail(`origin ${quote(origin)} is not one of ${commandOrigins.join(', ')}`);
  }
  const given = value.value;
  if (given !== undefined) {
    const values = Array.isArray(given) ? given : [given];
    if (!values.every((v) => typeof v === 'string')) {
      return fail('value must be a string or a list of strings');
    }
    if (origin === 'typed' || origin === 'button') return fail(`value is not allowed with origin ${origin}`);
    if (Array.isArray(given) && origin !== 'multi-select') {
      return fail(`value must be one string with origin ${origin}`);
    }
  }
  const source = value.source;
  if (source !== undefined) {
    if (typeof source !== 'string' || source === '' || source.length > 64) {
      return fail(
        'source must be the id of the message whose control was used (a string of at most 64 characters)',
      );
    }
    if (origin === 'typed') return fail('source is not allowed with origin typed');
  }
  const length = value.text.length + (Array.isArray(given) ? given.join(',').length : (given ?? '').length);
  if (length > maxLength) {
    return fail(`command is ${length} characters long; the console accepts at most ${maxLength}`);
  }
  if (value.text.trim() === '' && (given === undefined || given.length === 0)) {
    return fail('text is empty; type a command such as "help"');
  }
  const frame = { type: 'command', channel: value.channel, text: value.text, origin };
  if (given !== undefined) frame.value = given;
  if (source !== undefined) frame.source = source;
  if (ref !== undefined) frame.ref = ref;
  return { ok: true, frame };
}

/**
 * Reads one frame the server sent. Returns the frame, or undefined for a frame of a type this
 * client does not know (newer servers may add types). Throws on a frame that is not a JSON
 * object or lacks what its type needs.
 */
export function readServerFrame(data) {
  const value = JSON.parse(data);
  if (!isObject(value) || typeof value.type !== 'string') throw new Error('frame has no "type"');
  if (!serverTypes.includes(value.type)) return undefined;
  const need = (ok, what) => {
    if (!ok) throw new Error(`${value.type} frame: ${what}`);
  };
  switch (value.type) {
    case 'hello':
      need(typeof value.session === 'string', 'session must be a string');
      need(Array.isArray(value.channels), 'channels must be a list');
      need(typeof value.mention === 'string', 'mention must be a string');
      break;
    case 'history':
      need(typeof value.channel === 'string', 'channel must be a string');
      need(Array.isArray(value.messages) && value.messages.every(isMessage), 'messages must be messages');
      break;
    case 'message':
    case 'edit':
      need(isMessage(value.message), 'message must have an id, a channel and a kind');
      break;
    case 'form':
      need(typeof value.id === 'string', 'id must be a string');
      need(typeof value.channel === 'string', 'channel must be a string');
      need(isObject(value.form), 'form must be a message');
      break;
    case 'error':
      need(typeof value.error === 'string', 'error must be a string');
      break;
  }
  return value;
}

/**
 * The WebSocket URL for a console page URL: same host, `ws:`/`wss:` for `http:`/`https:`, the
 * socket path under the page's directory (so a console behind a path prefix works). The page
 * URL's query and fragment are dropped.
 */
export function socketUrl(pageUrl) {
  const url = new URL(pageUrl);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new Error(`console URL ${url.origin} must use http, https, ws or wss`);
  }
  const base = url.pathname.endsWith(socketPath) ? url.pathname.slice(0, -socketPath.length) : url.pathname;
  url.pathname = `${base.replace(/\/[^/]*$/, '')}${socketPath}`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

function isMessage(value) {
  return (
    isObject(value) &&
    typeof value.id === 'string' &&
    typeof value.channel === 'string' &&
    (value.kind === 'bot' || value.kind === 'user')
  );
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quote(value) {
  return value === undefined ? '(none)' : JSON.stringify(value).slice(0, 40);
}
