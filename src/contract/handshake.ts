/**
 * Constants of the go-plugin handshake shared by Botkube and Switchboard. The
 * cookie value is fixed forever: changing it makes every existing plugin refuse
 * to start.
 */
export const magicCookieKey = 'BOTKUBE';
export const magicCookieValue = '52ca7b74-28eb-4fac-ae79-31a9cbda2454';

/** go-plugin's core protocol version; the only one that exists. */
export const coreProtocolVersion = 1;

/** App protocol versions (Botkube contract versions) the SDK can serve. */
export const sdkAppVersions: readonly number[] = [1, 2, 3];

/**
 * Picks the app protocol version as go-plugin does: the highest version both
 * sides speak; with nothing in common, the plugin's lowest (the host then refuses
 * it with a clear message); with no offer at all, the plugin's highest.
 */
export function negotiateAppVersion(offered: string | undefined, own: readonly number[]): number {
  const sorted = [...own].sort((a, b) => a - b);
  const lowest = sorted[0] ?? 3;
  const highest = sorted[sorted.length - 1] ?? 3;
  if (offered === undefined || offered.trim() === '') return highest;
  const accepted = new Set(
    offered
      .split(',')
      .map((part) => Number.parseInt(part.trim(), 10))
      .filter((n) => Number.isInteger(n)),
  );
  const common = sorted.filter((v) => accepted.has(v));
  return common.length > 0 ? (common[common.length - 1] ?? highest) : lowest;
}

/**
 * Formats the one stdout line a plugin prints once it listens:
 * `core|app|network|address|protocol|cert`. The certificate is base64 DER without
 * padding, or empty (so the line ends in `|`).
 */
export function formatHandshakeLine(options: {
  appVersion: number;
  network: 'unix' | 'tcp';
  address: string;
  serverCertDer?: Uint8Array;
}): string {
  const cert =
    options.serverCertDer === undefined
      ? ''
      : Buffer.from(options.serverCertDer).toString('base64').replace(/=+$/, '');
  return `${coreProtocolVersion}|${options.appVersion}|${options.network}|${options.address}|grpc|${cert}\n`;
}
