import { isIPv4, isIPv6 } from 'node:net';
import { SwitchboardError } from '../../errors/switchboard-error.js';
import type { Console } from './config.js';

/**
 * True for addresses only this machine can reach: `localhost`, 127.0.0.0/8, `::1` and the
 * IPv4-mapped `::ffff:127.x.x.x`. Anything else (including `0.0.0.0` and `::`) is reachable
 * from the network.
 */
export function isLoopbackAddress(address: string): boolean {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (a === 'localhost' || a.endsWith('.localhost')) return true;
  if (isIPv4(a)) return a.startsWith('127.');
  if (isIPv6(a)) return a === '::1' || /^::ffff:127\./.test(a) || /^0{0,4}(:0{0,4}){6}:0{0,3}1$/.test(a);
  return false;
}

/**
 * The URL people open for a console bound to `address:port`. A wildcard bind (`0.0.0.0`, `::`)
 * is shown as the loopback address, which works from the machine itself; IPv6 is bracketed.
 */
export function consoleUrl(address: string, port: number): string {
  const a = address.replace(/^\[|\]$/g, '');
  const host = a === '0.0.0.0' || a === '' ? '127.0.0.1' : a === '::' ? '::1' : a;
  return `http://${isIPv6(host) ? `[${host}]` : host}:${port}/`;
}

/**
 * The access token of a console, or undefined when it has none. Refuses a console that would
 * listen beyond loopback without a token: anyone who can reach it could run every command
 * bound to its channels. The config schema rejects that too; this guards configs built in code.
 */
export function consoleToken(id: string, settings: Console): string | undefined {
  const token = settings.token && !settings.token.isEmpty() ? settings.token.reveal() : undefined;
  if (token === undefined && !isLoopbackAddress(settings.address)) {
    const group = id.split('/')[0] ?? id;
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      `communications.${group}.console: refusing to listen on ${settings.address} without a token, since anyone who can reach it could run commands; set communications.${group}.console.token, or listen on 127.0.0.1`,
      { details: { field: `communications.${group}.console.token`, address: settings.address } },
    );
  }
  return token;
}
