import { isIPv6 } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { SwitchboardError } from '../errors/switchboard-error.js';

/** A config setting a listener was given, and how to change it without editing the file. */
export interface ListenSetting {
  /** Config path, e.g. `settings.healthPort`. */
  path: string;
  /** Environment variable or command-line flag that overrides it, when there is one. */
  override?: string;
}

/** One listener, described well enough for a failure to say what to change. */
export interface ListenTarget {
  /** What listens, for people: `health server`, `incoming webhooks`. */
  name: string;
  address: string;
  port: number;
  settings: { address: ListenSetting; port: ListenSetting };
}

/**
 * The URL of a listener bound to `address:port`, as bound: a wildcard stays `0.0.0.0` or
 * `[::]` (so nobody is told loopback while the whole network can connect), and IPv6
 * addresses are bracketed.
 */
export function httpUrl(address: string, port: number): string {
  return `http://${isIPv6(address) ? `[${address}]` : address}:${port}`;
}

/**
 * Listens and resolves with the URL of the bound address. A failure rejects with
 * SB_ERR_LISTEN naming the listener, its address and port, and the setting (with its
 * override) that changes what went wrong.
 */
export async function listenHttp(server: FastifyInstance, target: ListenTarget): Promise<string> {
  try {
    await server.listen({
      host: target.address,
      port: target.port,
      listenTextResolver: (address) => `${target.name} listening at ${address}`,
    });
  } catch (err) {
    throw listenError(target, err as NodeJS.ErrnoException);
  }
  const bound = server.server.address();
  if (bound === null || typeof bound === 'string') return httpUrl(target.address, target.port);
  return httpUrl(bound.address, bound.port);
}

function listenError(target: ListenTarget, err: NodeJS.ErrnoException): SwitchboardError {
  const { address, port } = target.settings;
  const change = (setting: ListenSetting) =>
    `change ${setting.path}${setting.override ? ` (or ${setting.override})` : ''}`;
  const reason =
    err.code === 'EADDRINUSE'
      ? `port ${target.port} is already in use (another Switchboard or program?); ${change(port)}, or stop the other program`
      : err.code === 'EACCES'
        ? `not permitted to listen on port ${target.port} (ports below 1024 need privileges); ${change(port)}`
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN'
          ? `${target.address} is not an address of this machine; ${change(address)}`
          : `${err.message}; ${change(address)} or ${port.path}`;
  const where = httpUrl(target.address, target.port).slice('http://'.length);
  return new SwitchboardError('SB_ERR_LISTEN', `the ${target.name} cannot listen on ${where}: ${reason}`, {
    cause: err,
    details: {
      listener: target.name,
      address: target.address,
      port: target.port,
      code: err.code,
      settings: [address.path, port.path],
    },
  });
}
