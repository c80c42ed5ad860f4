import { X509Certificate } from 'node:crypto';
import { PluginError } from '../../errors/switchboard-error.js';

/** The parsed handshake line of a go-plugin plugin. */
export interface Handshake {
  coreVersion: number;
  appVersion: number;
  network: 'unix' | 'tcp';
  address: string;
  protocol: 'grpc';
  /** PEM of the plugin's TLS certificate when it speaks AutoMTLS. */
  serverCertPem?: string;
  /** go-plugin >= 1.6 multiplexing flag (7th field), when present. */
  multiplex?: boolean;
}

/**
 * Parses the first stdout line of a plugin as go-plugin v1.4 does, a little more
 * tolerantly: whitespace trimmed, 4 to 7 fields, protocol defaulting to netrpc,
 * field 6 a certificate only when longer than 50 characters. Every refusal names
 * the plugin, what it printed and what was expected.
 */
export function parseHandshake(
  line: string,
  plugin: string,
  acceptedAppVersions: readonly number[],
): Handshake {
  const text = line.trim();
  const fail = (code: 'SB_ERR_PLUGIN_HANDSHAKE' | 'SB_ERR_PLUGIN_VERSION', why: string) =>
    new PluginError(code, `plugin ${plugin}: ${why}`, { details: { plugin, handshake: text.slice(0, 300) } });
  const parts = text.split('|');
  if (parts.length < 4 || parts.length > 7) {
    throw fail(
      'SB_ERR_PLUGIN_HANDSHAKE',
      `unrecognised handshake line ${JSON.stringify(text.slice(0, 200))}; expected ` +
        '"CORE|APP|NETWORK|ADDRESS|grpc|CERT" (is it a go-plugin plugin? nothing may be printed to stdout before the handshake)',
    );
  }
  const [coreText = '', appText = '', network = '', address = '', protocol = 'netrpc', cert = '', mux] =
    parts;
  const coreVersion = Number(coreText);
  if (!/^\d+$/.test(coreText) || coreVersion !== 1) {
    throw fail(
      'SB_ERR_PLUGIN_VERSION',
      `announced core protocol version ${JSON.stringify(coreText)}; this host speaks go-plugin core protocol 1`,
    );
  }
  const appVersion = Number(appText);
  if (!/^\d+$/.test(appText) || !acceptedAppVersions.includes(appVersion)) {
    throw fail(
      'SB_ERR_PLUGIN_VERSION',
      `announced app protocol version ${JSON.stringify(appText)}, but this host accepts ` +
        `[${acceptedAppVersions.join(', ')}] (Botkube plugin contract versions); use a plugin release built for one of them`,
    );
  }
  if (network !== 'unix' && network !== 'tcp') {
    throw fail(
      'SB_ERR_PLUGIN_HANDSHAKE',
      `announced network ${JSON.stringify(network)}; expected "unix" or "tcp"`,
    );
  }
  if (address === '') throw fail('SB_ERR_PLUGIN_HANDSHAKE', 'announced an empty address');
  if (protocol !== 'grpc') {
    throw fail(
      'SB_ERR_PLUGIN_HANDSHAKE',
      `speaks protocol ${JSON.stringify(protocol)}; Switchboard (like Botkube) runs only grpc plugins`,
    );
  }
  const handshake: Handshake = { coreVersion, appVersion, network, address, protocol: 'grpc' };
  if (cert.length > 50) handshake.serverCertPem = certificatePem(cert, fail);
  if (mux !== undefined && mux !== '') handshake.multiplex = mux === 'true';
  return handshake;
}

function certificatePem(
  base64Der: string,
  fail: (code: 'SB_ERR_PLUGIN_HANDSHAKE', why: string) => PluginError,
): string {
  const der = Buffer.from(base64Der, 'base64');
  try {
    return new X509Certificate(der).toString();
  } catch (err) {
    const error = fail(
      'SB_ERR_PLUGIN_HANDSHAKE',
      'announced a server certificate that is not valid base64 DER X.509',
    );
    error.cause = err;
    throw error;
  }
}
