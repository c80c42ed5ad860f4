import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { EmptySchema } from '@bufbuild/protobuf/wkt';
import { Client, credentials, type ServiceError, status } from '@grpc/grpc-js';
import { grpcServiceDefinition } from '../../contract/service-definition.js';
import { createSelfSignedCertificate } from '../../contract/tls/x509.js';
import { PluginError } from '../../errors/switchboard-error.js';
import {
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponse_ServingStatus,
} from '../../gen/goplugin/health_pb.js';
import { GRPCController, GRPCStdio, StdioData_Channel } from '../../gen/goplugin/plugin_pb.js';
import type { PluginLogLine } from '../../log/hclog.js';
import type { Logger, LogLevel } from '../../log/logger.js';
import { buildPluginEnvironment } from './environment.js';
import { LogBudget, type LogDrops, type LogLimit } from './log-budget.js';
import { describeExit, type PluginProcess, type ProcessExit, startPluginProcess } from './process.js';
import { type CallOptions, type CallTarget, serverStreamCall, unaryCall } from './rpc-call.js';

/** App protocol versions this host has codecs for. */
export const hostAppVersions: readonly number[] = [1, 2, 3];

export interface LaunchOptions {
  /** Plugin key (e.g. `botkube/kubectl`), used in logs, errors and the private dir name. */
  name: string;
  binary: string;
  /** Parent of the per-launch private (0700) directory; defaults to the OS temp dir. */
  runtimeDir?: string;
  hostEnv?: NodeJS.ProcessEnv;
  /** Host variables the plugin may see on top of defaultEnvironmentAllowList. */
  envAllow?: readonly string[];
  /** Variables set for this plugin by the operator. */
  envExtra?: Readonly<Record<string, string>>;
  /** Defaults to `<binary>_deps`, as Botkube does. */
  dependencyDir?: string;
  /** App versions offered in PLUGIN_PROTOCOL_VERSIONS; defaults to 1,2,3. */
  appVersions?: readonly number[];
  /** Mutual TLS between host and plugin (go-plugin AutoMTLS); on unless turned off. */
  autoMtls?: boolean;
  startTimeoutMs?: number;
  logger: Logger;
  /** Level of the logger carrying this plugin's output. */
  logLevel?: LogLevel;
  /** Most of its stderr (and GRPCStdio) the plugin may put into the log; see defaultLogLimit. */
  logLimit?: LogLimit;
  /** How often lines dropped over logLimit are reported (a warning and onLogDropped); 10 s. */
  logDropReportMs?: number;
  /** Each report of lines dropped over logLimit, and a last one when the process ends. */
  onLogDropped?(drops: LogDrops): void;
  /**
   * Called once the process exists (before its handshake), with the promise of its exit and
   * its private directory (its socket is there).
   */
  onSpawn?(pid: number, exited: Promise<unknown>, privateDir: string): void;
}

/**
 * A plugin's share of the agent log when none is configured: plenty for hclog chatter and a
 * Go stack trace (the burst holds two seconds), while one writing megabytes a second cannot
 * fill the disk or drown the agent's own lines.
 */
export const defaultLogLimit: LogLimit = { linesPerSecond: 200, bytesPerSecond: 64 * 1024 };

/** A running, connected plugin process. */
export interface PluginInstance extends CallTarget {
  pid: number;
  appVersion: number;
  startedAt: number;
  autoMtls: boolean;
  exit(): ProcessExit | undefined;
  stderrTail(): string[];
  /** One health check (`Check("plugin")`), true when SERVING. */
  ping(options: CallOptions & { deadlineMs: number }): Promise<void>;
  /** Shutdown RPC, up to `graceMs` for the exit, then SIGKILL of the process group. */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL of the process group, now. */
  kill(): Promise<ProcessExit>;
}

const healthDefinition = grpcServiceDefinition(Health);
const controllerDefinition = grpcServiceDefinition(GRPCController);
const stdioDefinition = grpcServiceDefinition(GRPCStdio);

/**
 * Launches a plugin binary and connects to it: a private socket directory, a
 * scrubbed environment, AutoMTLS with a fresh client certificate (unless turned
 * off), the handshake within the start timeout, a gRPC channel with no receive
 * limit, and GRPCStdio drained when the plugin offers it.
 */
export async function launchPlugin(options: LaunchOptions): Promise<PluginInstance> {
  const log = options.logger.child(
    { plugin: options.name },
    options.logLevel ? { level: options.logLevel } : {},
  );
  const privateDir = await mkdtemp(join(options.runtimeDir ?? tmpdir(), 'sbp-'));
  await chmod(privateDir, 0o700);
  const autoMtls = options.autoMtls ?? true;
  const clientTls = autoMtls
    ? createSelfSignedCertificate({ commonName: 'switchboard-host', isCa: true })
    : undefined;
  const appVersions = options.appVersions ?? hostAppVersions;
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const startedAt = Date.now();
  const budget = new LogBudget(options.logLimit ?? defaultLogLimit);
  const stopDropReports = reportLogDrops(budget, options);

  let proc: PluginProcess;
  try {
    proc = await startPluginProcess({
      name: options.name,
      binary: options.binary,
      env: buildPluginEnvironment({
        hostEnv: options.hostEnv ?? process.env,
        allow: options.envAllow,
        extra: options.envExtra,
        privateDir,
        dependencyDir: options.dependencyDir ?? `${options.binary}_deps`,
        appVersions,
        clientCertPem: clientTls?.certPem,
      }),
      startTimeoutMs,
      acceptedAppVersions: appVersions,
      onLog: (line) => relayLog(log, line),
      logBudget: budget,
      onSpawn: (pid, exited) => options.onSpawn?.(pid, exited, privateDir),
    });
  } catch (err) {
    stopDropReports();
    await rm(privateDir, { recursive: true, force: true });
    throw err;
  }

  const { handshake } = proc;
  if (autoMtls && handshake.serverCertPem === undefined) {
    stopDropReports();
    proc.signalGroup('SIGKILL');
    await rm(privateDir, { recursive: true, force: true });
    throw new PluginError(
      'SB_ERR_TLS',
      `plugin ${options.name} ignored the AutoMTLS request (no certificate in its handshake); ` +
        'its go-plugin is too old for AutoMTLS or the plugin does not support it: set autoMtls: false for this plugin',
      { details: { plugin: options.name } },
    );
  }
  const target = handshake.network === 'unix' ? `unix://${handshake.address}` : handshake.address;
  const channelCredentials =
    clientTls && handshake.serverCertPem
      ? credentials.createSsl(
          Buffer.from(handshake.serverCertPem),
          Buffer.from(clientTls.keyPem),
          Buffer.from(clientTls.certPem),
        )
      : credentials.createInsecure();
  const client = new Client(target, channelCredentials, {
    'grpc.max_receive_message_length': -1,
    'grpc.max_send_message_length': -1,
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  });

  let exitPromise: Promise<ProcessExit> | undefined;
  const cleanup = (exit: ProcessExit) => {
    stopDropReports();
    client.close();
    // The plugin is gone; make sure nothing it started (kubectl, shells) outlives it.
    proc.signalGroup('SIGKILL');
    return rm(privateDir, { recursive: true, force: true }).then(() => exit);
  };
  const exited = proc.exited.then(cleanup);

  // A plugin that dies after its handshake would otherwise leave us waiting for the whole
  // start timeout; report its exit at once instead.
  const outcome = await Promise.race([
    new Promise<{ connectError: Error | undefined }>((resolve) =>
      client.waitForReady(startedAt + startTimeoutMs, (err) => resolve({ connectError: err })),
    ),
    proc.exited.then((exit) => ({ exit })),
  ]);
  if ('exit' in outcome) {
    const lines = outcome.exit.stderrTail;
    const tail = lines.length === 0 ? '' : `; last stderr lines:\n  ${lines.join('\n  ')}`;
    await exited;
    throw new PluginError(
      'SB_ERR_PLUGIN_EXITED',
      `plugin ${options.name} exited (${describeExit(outcome.exit)}) before its gRPC server answered${tail}`,
      { details: { plugin: options.name, binary: options.binary, ...outcome.exit } },
    );
  }
  if (outcome.connectError) {
    proc.signalGroup('SIGKILL');
    await exited;
    throw new PluginError(
      'SB_ERR_PLUGIN_HANDSHAKE',
      `plugin ${options.name} printed a handshake but its gRPC server at ${handshake.address} could not be reached: ` +
        outcome.connectError.message,
      { cause: outcome.connectError, details: { plugin: options.name } },
    );
  }

  const instance: PluginInstance = {
    name: options.name,
    client,
    pid: proc.pid,
    appVersion: handshake.appVersion,
    startedAt,
    autoMtls: clientTls !== undefined,
    exited,
    exit: proc.exit,
    stderrTail: proc.stderrTail,
    async ping(callOptions) {
      const response = await unaryCall(
        instance,
        healthDefinition.check as never,
        // protobuf-es serializes only messages made with create(); a plain object fails every check.
        create(HealthCheckRequestSchema, { service: 'plugin' }) as never,
        callOptions,
      );
      const servingStatus = (response as { status: HealthCheckResponse_ServingStatus }).status;
      if (servingStatus !== HealthCheckResponse_ServingStatus.SERVING) {
        throw new PluginError(
          'SB_ERR_PLUGIN_CALL',
          `plugin ${options.name} reports health status ${servingStatus}`,
          {
            details: { plugin: options.name },
          },
        );
      }
    },
    stop(graceMs = 2000) {
      exitPromise ??= (async () => {
        if (proc.exit() === undefined) {
          // Shutdown usually fails UNAVAILABLE/CANCELLED because the plugin exits at once.
          await unaryCall(instance, controllerDefinition.shutdown as never, {} as never, {
            deadlineMs: graceMs,
          }).catch(() => {});
          const timer = setTimeout(() => proc.signalGroup('SIGKILL'), graceMs);
          await proc.exited;
          clearTimeout(timer);
        }
        return exited;
      })();
      return exitPromise;
    },
    kill() {
      proc.signalGroup('SIGKILL');
      return exited;
    },
  };
  drainStdio(instance, log, budget);
  return instance;
}

/** Reports what `budget` dropped every logDropReportMs; the returned function reports the rest and stops. */
function reportLogDrops(budget: LogBudget, options: LaunchOptions): () => void {
  // Not the plugin's own logger: its level (plugins.runtime.logLevel) must not hide this warning.
  const log = options.logger.child({ component: 'plugin-host', plugin: options.name });
  const report = () => {
    const drops = budget.takeDropped();
    if (drops.lines === 0) return;
    log.warn(
      { droppedLines: drops.lines, droppedBytes: drops.bytes, ...budget.limit },
      'plugin log output over its limit; lines dropped',
    );
    options.onLogDropped?.(drops);
  };
  const timer = setInterval(report, options.logDropReportMs ?? 10_000);
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    report();
  };
}

function relayLog(log: Logger, line: PluginLogLine): void {
  const fields = { ...line.fields, ...(line.module ? { module: line.module } : {}) };
  log[line.level](fields, line.message);
}

/**
 * go-plugin >= 1.1 blocks every stdout/stderr write of a plugin whose stdio
 * stream nobody reads, so the host opens it once and keeps reading.
 * UNIMPLEMENTED (go-plugin 1.0, older SDKs) is normal.
 */
function drainStdio(instance: PluginInstance, log: Logger, budget: LogBudget): void {
  (async () => {
    for await (const data of serverStreamCall(
      instance,
      stdioDefinition.streamStdio as never,
      create(EmptySchema) as never,
    )) {
      const { channel, data: bytes } = data as { channel: StdioData_Channel; data: Uint8Array };
      const text = Buffer.from(bytes).toString('utf8').trimEnd();
      if (text === '' || !budget.admit(bytes.length)) continue;
      if (channel === StdioData_Channel.STDERR) log.warn({ stream: 'stderr' }, text);
      else log.debug({ stream: 'stdout' }, text);
    }
  })().catch((err: unknown) => {
    const code = (err as { details?: { grpcCode?: number } }).details?.grpcCode;
    if (code !== status.UNIMPLEMENTED && code !== status.UNAVAILABLE && code !== status.CANCELLED) {
      log.debug({ err: (err as ServiceError).message }, 'stdio stream ended');
    }
  });
}
