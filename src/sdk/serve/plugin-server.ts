import { randomInt } from 'node:crypto';
import { unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatHandshakeLine,
  magicCookieKey,
  magicCookieValue,
  negotiateAppVersion,
} from '../../contract/handshake.js';
import { createSelfSignedCertificate } from '../../contract/tls/x509.js';
import { createGrpcServer, type LazyRoute, type Route } from './grpc-server.js';
import { createPluginLogger, type PluginLogger, redirectConsole } from './plugin-log.js';
import { sideServiceRoutes } from './side-services.js';

export interface PluginServerOptions {
  /** Module name in the plugin's log lines. */
  name: string;
  /** App protocol versions this plugin can serve. */
  appVersions: readonly number[];
  /**
   * The application RPCs for the negotiated app protocol version, by HTTP/2 path; lazy routes
   * keep their protobuf descriptors out of the plugin's start.
   */
  routes(appVersion: number, log: PluginLogger): [string, Route | LazyRoute][];
}

/** A plugin that has printed its handshake and is serving. */
export interface RunningPlugin {
  appVersion: number;
  address: string;
  log: PluginLogger;
  /** Stops serving, removes the socket and exits the process with `code`. */
  exit(code?: number): Promise<never>;
}

const notPluginNotice =
  'This binary is a plugin. These are not meant to be executed directly: run it through ' +
  'Switchboard (`switchboard plugin run <binary> metadata`) or a Botkube agent, which start it ' +
  'with the handshake cookie.\n';

/** Unix socket paths longer than this fail to bind on Linux (sun_path is 108 bytes). */
const maxSocketPath = 107;

/**
 * Runs the go-plugin server side: checks the cookie, negotiates the app protocol,
 * listens on a fresh unix socket (TLS when the host asks for AutoMTLS), serves the
 * app services plus health/controller/stdio, and prints the handshake line.
 * Exits the process with status 1 and a notice on stderr when run without the
 * host's cookie, writing nothing to stdout.
 */
export async function servePlugin(options: PluginServerOptions): Promise<RunningPlugin> {
  // Noted first: a host that dies while the plugin is still starting (certificate, bind) must
  // be seen as gone too, not taken for the parent that adopted the orphan.
  const parent = process.ppid;
  const env = process.env;
  const writeStderr = (line: string) => process.stderr.write(line);
  if (env[magicCookieKey] !== magicCookieValue) {
    writeSync(2, notPluginNotice);
    process.exit(1);
  }
  const log = createPluginLogger(options.name, writeStderr);
  const appVersion = negotiateAppVersion(env.PLUGIN_PROTOCOL_VERSIONS, options.appVersions);

  let exiting = false;
  const stopping = new AbortController();
  const socketDir = env.PLUGIN_UNIX_SOCKET_DIR || env.TMPDIR || tmpdir();
  const socketPath = join(socketDir, `plugin${randomInt(1e9, 1e10)}`);
  if (socketPath.length > maxSocketPath) {
    writeSync(
      2,
      `plugin socket path ${socketPath} is longer than ${maxSocketPath} bytes; use a shorter TMPDIR\n`,
    );
    process.exit(1);
  }

  let tls: { keyPem: string; certPem: string; clientCaPem: string } | undefined;
  let serverCertDer: Uint8Array | undefined;
  const clientCert = env.PLUGIN_CLIENT_CERT;
  if (clientCert !== undefined && clientCert !== '') {
    // go-plugin AutoMTLS: the host's certificate is the only CA we accept, and ours goes back in
    // the handshake line as the only CA the host accepts.
    const own = createSelfSignedCertificate({ commonName: 'localhost', dnsNames: ['localhost'], isCa: true });
    tls = { keyPem: own.keyPem, certPem: own.certPem, clientCaPem: clientCert };
    serverCertDer = own.certDer;
  }

  const exit = async (code = 0): Promise<never> => {
    if (!exiting) {
      exiting = true;
      stopping.abort();
      await server.close(500);
      try {
        unlinkSync(socketPath);
      } catch {
        // Already gone: closing a listening unix socket removes it.
      }
    }
    process.exit(code);
  };

  const server = createGrpcServer({
    routes: new Map<string, Route | LazyRoute>([
      ...sideServiceRoutes(() => void exit(0), stopping.signal),
      ...options.routes(appVersion, log),
    ]),
    ...(tls ? { tls } : {}),
  });
  await server.listen(socketPath);

  // go-plugin swallows interrupts: Ctrl-C reaches the whole process group and the
  // host decides when the plugin stops. Set before the handshake: a host may signal as soon as
  // it has read it.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => void exit(0));
  // The handshake goes to the real fd 1 synchronously, before anything else can.
  writeSync(1, formatHandshakeLine({ appVersion, network: 'unix', address: socketPath, serverCertDer }));
  redirectConsole(options.name, writeStderr);

  // Plugins run in their own process group, so a host killed with SIGKILL takes
  // nothing with it; a plugin whose parent changed has been orphaned and leaves.
  setInterval(() => {
    if (process.ppid !== parent) void exit(0);
  }, 1000).unref();

  return { appVersion, address: socketPath, log, exit };
}
