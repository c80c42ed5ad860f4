import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** This package's own plugin repository: the built-in plugins, published by `npm run build`. */
export function builtinRepositoryIndex(): string {
  return fileURLToPath(new URL('../../index.yaml', import.meta.url));
}

export interface QuickstartOptions {
  /** Where plugins are installed (under the state directory). */
  cacheDir: string;
  /** Console port; 2116 unless taken. */
  consolePort?: number;
}

/**
 * The configuration `switchboard start` runs without `--config`: the web console on
 * loopback with one channel, the built-in plugins from this package's own repository (no
 * network needed), the demo source, `echo`, and `exec` limited to a few read-only commands.
 * It is written to the state directory so a user can copy it as the start of their own.
 */
export function quickstartConfigYaml(options: QuickstartOptions): string {
  const index = builtinRepositoryIndex();
  if (!existsSync(index)) {
    throw new Error(`the built-in plugin repository ${index} is missing; run "npm run build" first`);
  }
  const repository = pathToFileURL(index).href;
  return `# The quickstart configuration of \`switchboard start\` (written on every start without --config).
# Copy it and run \`switchboard start --config <your copy>\` to change it.
communications:
  quickstart:
    console:
      enabled: true
      address: 127.0.0.1
      port: ${options.consolePort ?? 2116}
      channels:
        general:
          name: general
          bindings:
            executors: [echo, exec]
            sources: [demo]
        quiet:
          name: quiet
          bindings:
            executors: [echo, exec]
sources:
  demo:
    displayName: Demo events
    switchboard/demo:
      enabled: true
      config:
        interval: 15s
executors:
  echo:
    switchboard/echo:
      enabled: true
  exec:
    switchboard/exec:
      enabled: true
      config:
        timeout: 10s
        commands:
          date: { description: "current date and time" }
          uptime: { description: "how long this machine has been up" }
          whoami: { description: "the user the agent runs as" }
          hostname: { description: "this machine's name" }
          df:
            description: "disk usage"
            args: ['-h', '/[\\w.-]*(/[\\w.-]+)*']
          ls:
            description: "list a directory"
            args: ['-[lah1]+', '/?\\w[\\w.-]*(/\\w[\\w.-]*)*', '/', '\\.']
aliases:
  e:
    command: echo
    displayName: echo
settings:
  clusterName: quickstart
  log:
    level: warn
  # /healthz, /status and /metrics on one listener, on loopback only: 0.0.0.0 (or ::) would
  # open it to the network.
  healthAddress: 127.0.0.1
  healthPort: 2114
  metricsAddress: 127.0.0.1
  metricsPort: 2114
plugins:
  incomingWebhook:
    enabled: false
  cacheDir: ${JSON.stringify(options.cacheDir)}
  repositories:
    switchboard:
      url: ${JSON.stringify(repository)}
`;
}
