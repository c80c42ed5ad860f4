import { accessSync, closeSync, constants, openSync, readSync } from 'node:fs';
import { extname, resolve } from 'node:path';

/** The program and arguments that start a plugin file. */
export interface LaunchCommand {
  command: string;
  args: string[];
}

/**
 * Loads the plugin as CommonJS whatever its name and wherever it lies. `process.argv[1]` is the
 * plugin's path, as when the file is executed directly.
 */
const commonJsBootstrap = "require(require('node:path').resolve(process.argv[1]))";

/** Extensions that tell Node how to load a file; any other name says nothing about it. */
const moduleExtensions = new Set(['.js', '.cjs', '.mjs']);

/**
 * How to start `binary`. A Node program (a `#!…node` first line) whose file name carries no
 * module extension is started by this Node as CommonJS through a one-line bootstrap.
 *
 * Why: installed plugins are named `<type>_<version>_<name>` (Botkube's cache layout), so Node
 * reads `.0_hello` as the file's extension. Executed directly inside a folder whose package.json
 * says `"type": "module"` (a plugin cache inside an author's project), Node refuses such a file
 * (ERR_UNKNOWN_FILE_EXTENSION); `require` loads any name as CommonJS, which is what
 * `plugin build` emits. Other files (Go binaries, `.mjs` programs, scripts for other
 * interpreters, files that cannot be read or executed) are executed as they are, so their
 * errors stay the operating system's.
 */
export function launchCommand(binary: string, args: readonly string[]): LaunchCommand {
  const direct = { command: binary, args: [...args] };
  if (moduleExtensions.has(extname(binary)) || !isNodeProgram(binary)) return direct;
  return { command: process.execPath, args: ['-e', commonJsBootstrap, resolve(binary), ...args] };
}

function isNodeProgram(path: string): boolean {
  let fd: number | undefined;
  try {
    accessSync(path, constants.X_OK);
    fd = openSync(path, 'r');
    const head = Buffer.alloc(128);
    const read = readSync(fd, head, 0, head.length, 0);
    const firstLine = head.subarray(0, read).toString('latin1').split('\n', 1)[0] ?? '';
    return /^#!\s*(?:\S*\/)?(?:env\s+(?:-S\s+)?)?node(?:\s|$)/.test(firstLine);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
