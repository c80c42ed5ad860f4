import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { magicCookieKey, magicCookieValue } from '../../contract/handshake.js';
import { compileOptionsSource } from './program-pack.js';

/**
 * The calls a host makes as soon as a plugin is up (switchboard's host: GRPCStdio, then Metadata;
 * its supervisor: Health checks). Run once while training so that the code answering them is
 * compiled and lands in the cache too; the Metadata of the other plugin type answers
 * UNIMPLEMENTED, which is fine (that path is cached as well). Written out (src/ outside the SDK
 * does not import it); plugin-code-cache.test.ts checks them against the SDK's routes.
 */
export const warmUpCalls = [
  { path: '/plugin.GRPCStdio/StreamStdio', body: '', stream: true },
  // HealthCheckRequest { service: "plugin" }, as protobuf.
  { path: '/grpc.health.v1.Health/Check', body: '0a06706c7567696e', stream: false },
  { path: '/executor.Executor/Metadata', body: '', stream: false },
  { path: '/source.Source/Metadata', body: '', stream: false },
] as const;

/**
 * Runs the plugin under the handshake cookie, makes the warm-up calls over its socket with a
 * plain HTTP/2 client (only the plugin's own code should be compiled here), then writes the code
 * cache of the compiled script and exits. argv: function source file, cache output file,
 * program file name (for stack traces), socket directory.
 */
const trainerSource = `"use strict";
const fs = require("node:fs");
const http2 = require("node:http2");
const net = require("node:net");
const path = require("node:path");
const vm = require("node:vm");
const [sourceFile, cacheFile, programFile, socketDir] = process.argv.slice(2);
const calls = ${JSON.stringify(warmUpCalls)};
const fail = (message) => { fs.writeSync(2, "code cache training: " + message + "\\n"); process.exit(3); };
const script = (function (__filename) {
  return new vm.Script(fs.readFileSync(sourceFile, "utf8"), ${compileOptionsSource});
})(programFile);
const frame = (hex) => { const body = Buffer.from(hex, "hex"); const f = Buffer.alloc(5 + body.length); f.writeUInt32BE(body.length, 1); body.copy(f, 5); return f; };
function call(session, c) {
  return new Promise((resolve) => {
    const req = session.request({ ":method": "POST", ":path": c.path, "content-type": "application/grpc", te: "trailers" });
    req.on("error", () => resolve());
    req.end(frame(c.body));
    if (c.stream) { setTimeout(() => { req.close(http2.constants.NGHTTP2_CANCEL); resolve(); }, 20); return; }
    req.resume();
    req.on("close", () => resolve());
  });
}
async function warmUp(socketPath) {
  const session = http2.connect("http://localhost", { createConnection: () => net.connect(socketPath) });
  session.on("error", (err) => fail("connecting to the plugin's socket: " + err.message));
  for (const c of calls) await call(session, c);
  session.close();
  fs.writeFileSync(cacheFile, script.createCachedData());
  process.exit(0);
}
const deadline = Date.now() + 20000;
(function waitForSocket() {
  const socket = fs.readdirSync(socketDir).find((name) => name.startsWith("plugin"));
  if (socket !== undefined) return void warmUp(path.join(socketDir, socket)).catch((err) => fail(String(err && err.stack || err)));
  if (Date.now() > deadline) return fail("the plugin did not listen within 20 s");
  setTimeout(waitForSocket, 2);
})();
process.on("exit", (code) => { if (code !== 0 && code !== 3) fs.writeSync(2, "code cache training: the plugin exited with code " + code + " before its warm-up calls\\n"); });
script.runInThisContext()({}, require, { exports: {} }, programFile, path.dirname(programFile));
`;

/**
 * Makes the V8 code cache for `functionSource` (program-pack.ts) by running it once as a plugin
 * with this Node, after the calls a host makes first. `--random-seed=1` makes the bytes the same
 * on every build with the same Node (V8 otherwise seeds its string hashes at random, and they end
 * up in the cache); V8 does not count that flag when it checks a cache against its own flags.
 * Throws with the program's stderr when it does not start and answer.
 */
export async function trainCodeCache(
  functionSource: string,
  programName: string,
  scratchDir: string,
): Promise<Buffer> {
  const dir = await mkdtemp(join(scratchDir, 'cache-'));
  try {
    const files = {
      trainer: join(dir, 'trainer.cjs'),
      source: join(dir, 'program.js'),
      cache: join(dir, 'program.cache'),
      // A fixed name: V8 writes the script name into the cache, and the bytes must not depend on
      // this temporary folder. The loader compiles with the installed path; V8 accepts that.
      program: `/switchboard-plugin/${programName}`,
    };
    await writeFile(files.trainer, trainerSource);
    await writeFile(files.source, functionSource);
    const child = spawn(
      process.execPath,
      ['--random-seed=1', files.trainer, files.source, files.cache, files.program, dir],
      {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          [magicCookieKey]: magicCookieValue,
          PLUGIN_PROTOCOL_VERSIONS: '3',
          PLUGIN_UNIX_SOCKET_DIR: dir,
        },
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('error', reject);
      child.once('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    if (code !== 0) {
      throw new Error(
        `running the program to make its V8 code cache failed (exit ${code ?? 'by signal, after 30 s'}): ${stderr.trim() || 'no output on stderr'}`,
      );
    }
    return await readFile(files.cache);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
