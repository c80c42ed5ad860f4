import { magicCookieKey } from '../../contract/handshake.js';

/**
 * The shipped form of a Node plugin program: a small CommonJS loader followed by the plugin's code
 * and, optionally, a V8 code cache for it, both base64 in one comment at the end of the file.
 *
 * Why in one file: the archive's checksum (and an index signature) then covers the cache, which
 * is executable bytecode; a cache written next to the installed program later would be code
 * nobody verified. Botkube hosts install only the program file, so the cache travels with it.
 * Why base64 in a comment: Node parses the whole file before running it; a comment costs it
 * about a millisecond per megabyte, while parsing the plugin's code is what the cache saves.
 * The comment is the body of a function, whose source text the loader reads back.
 *
 * The code is compiled with `vm.Script` and `cachedData`. V8 rejects a cache made by another V8
 * version or with other V8 flags (a different Node, `--max-old-space-size` in NODE_OPTIONS…)
 * and then compiles the code as if there were none: the plugin starts either way, and says so
 * in one hclog debug line on stderr (which hosts re-log) when a host started it.
 */

/** First line of the payload comment; also how the loader finds it. */
const payloadMarker = '/*sb-program v1';

/**
 * Turns a CommonJS program (cjs-wrap.ts's output) into the function expression the loader
 * compiles: what Node's CommonJS loader wraps a file in, so the program sees the same
 * `require`, `module` and `__filename`. The code cache is made for exactly this text.
 */
export function vmFunctionSource(cjsProgram: string): string {
  return `(function (exports, require, module, __filename, __dirname) {${cjsProgram.replace(/^#!.*\n/, '')}\n})`;
}

/**
 * The options both the loader and the cache training compile with: V8 accepts a cache only
 * for code compiled the same way. No `importModuleDynamically`: on Node 20 it is lost when the
 * code comes from a cache, so `plugin build` leaves no `import()` in a program (build-plugins.ts).
 */
export const compileOptionsSource = '{ filename: __filename }';

const loader = `"use strict";
(function (payload) {
  var fs = require("node:fs");
  var vm = require("node:vm");
  // The source text of the function below, which is the payload comment: V8 hands out a slice
  // of the file it has already read, so the file is neither read nor copied a second time.
  var text = payload.toString();
  var at = text.lastIndexOf("\\n${payloadMarker} ");
  var lines = at < 0 ? [] : text.slice(at + 1).split("\\n", 4);
  if (lines.length < 4 || lines[3] !== "*/") {
    throw new Error(__filename + ": the plugin code at the end of this file is missing or cut short; reinstall the plugin");
  }
  var builtWith = lines[0].slice(${payloadMarker.length + 1});
  var options = ${compileOptionsSource};
  if (lines[2] !== "") options.cachedData = Buffer.from(lines[2], "base64");
  var script = new vm.Script(Buffer.from(lines[1], "base64").toString("utf8"), options);
  if (script.cachedDataRejected && process.env.${magicCookieKey} !== undefined) {
    fs.writeSync(2, JSON.stringify({
      "@level": "debug",
      "@message": "V8 code cache rejected; compiled the plugin code instead",
      "@module": "program-loader",
      "@timestamp": new Date().toISOString(),
      builtWith: builtWith,
      runningOn: process.version,
      reason: builtWith === process.version ? "V8 flags differ from the build's (NODE_OPTIONS or node flags)" : "another Node version built it"
    }) + "\\n");
  }
  script.runInThisContext()(exports, require, module, __filename, __dirname);
})(function () {`;

/**
 * The program file: shebang, loader, payload. `functionSource` is {@link vmFunctionSource}'s
 * output; `codeCache` V8's cache for it, made by the Node named `builtWith` (`process.version`).
 */
export function packProgram(
  functionSource: string,
  codeCache: Uint8Array | undefined,
  builtWith: string,
): string {
  if (!/^v\d+\.\d+\.\d+\S*$/.test(builtWith)) {
    throw new Error(
      `packProgram: builtWith must be a Node version like v20.18.0, got ${JSON.stringify(builtWith)}`,
    );
  }
  return [
    '#!/usr/bin/env node',
    '// A Switchboard plugin program (switchboard plugin build): this loader runs the plugin code',
    '// kept at the end of the file, with a V8 code cache when Node can use it.',
    loader,
    `${payloadMarker} ${builtWith}`,
    Buffer.from(functionSource, 'utf8').toString('base64'),
    codeCache ? Buffer.from(codeCache).toString('base64') : '',
    '*/',
    '});',
    '',
  ].join('\n');
}

/** What {@link packProgram} put in a program; throws when `program` is not one. */
export function unpackProgram(program: string): {
  functionSource: string;
  codeCache: Buffer | undefined;
  builtWith: string;
} {
  const at = program.lastIndexOf(`\n${payloadMarker} `);
  const lines = at < 0 ? [] : program.slice(at + 1).split('\n', 4);
  if (lines.length < 4 || lines[3] !== '*/')
    throw new Error('not a packed plugin program (no payload comment)');
  return {
    builtWith: (lines[0] as string).slice(payloadMarker.length + 1),
    functionSource: Buffer.from(lines[1] as string, 'base64').toString('utf8'),
    codeCache: lines[2] === '' ? undefined : Buffer.from(lines[2] as string, 'base64'),
  };
}
