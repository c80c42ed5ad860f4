import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { SwitchboardError } from '../errors/switchboard-error.js';
import { type Platform, parsePlatform } from '../plugins/repository/index-format.js';
import type { InstallProgress, RepositoryOptions } from '../plugins/repository/options.js';

/**
 * Helpers the `switchboard plugin …` commands share (the commands directory
 * may hold only commands). Everything here is for the CLI; the agent maps its
 * config onto the same option types itself.
 */

/** `$XDG_CACHE_HOME/switchboard/plugins`, else `~/.cache/switchboard/plugins`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'switchboard', 'plugins');
}

/** Parses repeated `NAME=VALUE` flags; SB_ERR_CLI_USAGE names the bad one. */
export function parseNamedValues(
  values: readonly string[] | undefined,
  flag: string,
): Array<[string, string]> {
  return (values ?? []).map((v) => {
    const at = v.indexOf('=');
    if (at <= 0 || at === v.length - 1) {
      throw new SwitchboardError('SB_ERR_CLI_USAGE', `--${flag} "${v}" must be NAME=VALUE`);
    }
    return [v.slice(0, at), v.slice(at + 1)];
  });
}

/**
 * Where `--repo NAME=LOCATION` points: URLs (anything with a scheme) are kept as
 * written; a path, relative ones against `cwd`, becomes absolute, and a path to a
 * directory means the `index.yaml` inside it (a `plugin pull` bundle directory).
 */
export function repositoryLocation(location: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(location)) return location;
  const path = resolve(cwd, location);
  const isDir = (() => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  })();
  return isDir ? join(path, 'index.yaml') : path;
}

/** Builds repository options from `--repo NAME=URL|PATH`, `--public-key NAME=KEY` and `--allow-missing-checksums NAME`. */
export function repositoriesFromFlags(
  flags: {
    repo?: string[];
    'public-key'?: string[];
    'allow-missing-checksums'?: string[];
  },
  cwd: string = process.cwd(),
): Record<string, RepositoryOptions> {
  const repos: Record<string, RepositoryOptions> = {};
  for (const [name, url] of parseNamedValues(flags.repo, 'repo'))
    repos[name] = { url: repositoryLocation(url, cwd) };
  for (const [name, key] of parseNamedValues(flags['public-key'], 'public-key')) {
    const repo = repos[name];
    if (!repo)
      throw new SwitchboardError('SB_ERR_CLI_USAGE', `--public-key ${name}=… names no --repo ${name}=URL`);
    repo.publicKeys = [...(repo.publicKeys ?? []), key];
  }
  for (const name of flags['allow-missing-checksums'] ?? []) {
    const repo = repos[name];
    if (!repo)
      throw new SwitchboardError(
        'SB_ERR_CLI_USAGE',
        `--allow-missing-checksums ${name} names no --repo ${name}=URL`,
      );
    repo.allowMissingChecksums = true;
  }
  return repos;
}

/** Parses `linux/amd64,darwin/arm64`. */
export function parsePlatformList(text: string): Platform[] {
  return text
    .split(',')
    .filter((p) => p.trim() !== '')
    .map((p) => {
      const parsed = parsePlatform(p);
      if (!parsed)
        throw new SwitchboardError('SB_ERR_CLI_USAGE', `platform "${p}" is not os/arch (e.g. linux/amd64)`);
      return parsed;
    });
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * A progress printer for installs: a redrawn bar per download on a terminal,
 * one line per finished artifact otherwise (CI logs).
 */
export function progressPrinter(stream: NodeJS.WriteStream): (event: InstallProgress) => void {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  return (event) => {
    const label = `${event.key}${event.artifact === 'plugin' ? '' : ` (${event.artifact})`}`;
    if (event.phase === 'download') {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 80 && event.received !== event.total) return;
      lastDraw = now;
      const received = event.received ?? 0;
      if (event.total) {
        const width = 24;
        const done = Math.min(width, Math.round((received / event.total) * width));
        stream.write(
          `\r${label} [${'#'.repeat(done)}${' '.repeat(width - done)}] ${Math.floor((received / event.total) * 100)}% ${mib(received)}/${mib(event.total)}\u001b[K`,
        );
      } else stream.write(`\r${label} ${mib(received)}\u001b[K`);
      return;
    }
    if (tty) stream.write('\r\u001b[K');
    if (event.phase === 'installed') stream.write(`${label}: downloaded, verified, installed\n`);
    else if (event.phase === 'cached') stream.write(`${label}: cached copy verified\n`);
  };
}
