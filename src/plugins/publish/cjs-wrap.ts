import { builtinModules } from 'node:module';
import { Script } from 'node:vm';

/**
 * Turns esbuild's single-file ESM bundle of a plugin into a CommonJS program
 * that runs the same code.
 *
 * Why: installed plugins are named `<type>_<version>_<name>` (Botkube's cache
 * layout), e.g. `executor_v1.0.0_echo`. Node sees `.0_echo` as a file extension
 * and refuses to load an ES module from such a file (ERR_UNKNOWN_FILE_EXTENSION),
 * while CommonJS loads any name. Plugins use top-level await, which esbuild cannot
 * emit as CommonJS, so the module body runs inside an async function instead.
 *
 * The bundle may import only Node built-ins (esbuild hoists them to `import`
 * lines); those become `require` calls placed first, as ESM hoisting would.
 * `import.meta.url` must have been replaced at bundle time by `metaUrlName`.
 * Throws when anything else would be left behind; the result is syntax-checked.
 */
export function wrapEsmBundleAsCjs(esm: string, metaUrlName: string): string {
  const builtins = new Set(builtinModules);
  const requires: string[] = [];
  const importLine =
    /^import\s+(?:([\w$]+)\s*,?\s*)?(?:\*\s*as\s+([\w$]+)|\{([^}]*)\})?\s*(?:from\s*)?["']([^"']+)["'];?[ \t]*$/gm;
  const body = esm.replace(importLine, (line, def?: string, ns?: string, named?: string, from?: string) => {
    const spec = from ?? '';
    if (!spec.startsWith('node:') && !builtins.has(spec)) {
      throw new Error(
        `the bundle imports "${spec}", which is not a Node built-in: bundle it instead (${line.trim()})`,
      );
    }
    const mod = `require(${JSON.stringify(spec)})`;
    if (def) requires.push(`var ${def} = ${mod};`);
    if (ns) requires.push(`var ${ns} = ${mod};`);
    if (named !== undefined) {
      const names = named
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== '')
        .map((n) => n.replace(/^([\w$]+)\s+as\s+([\w$]+)$/, '$1: $2'));
      requires.push(`var { ${names.join(', ')} } = ${mod};`);
    }
    if (!def && !ns && named === undefined) requires.push(`${mod};`);
    return '';
  });
  const withoutShebang = body.replace(/^#!.*\n/, '');
  if (/^\s*(import|export)\s[^(]/m.test(withoutShebang.replace(/`[^`]*`/g, ''))) {
    const line = /^\s*(import|export)\s[^(].*$/m.exec(withoutShebang)?.[0];
    throw new Error(`the bundle has an import or export esbuild did not hoist: ${line?.trim()}`);
  }
  const program = [
    '#!/usr/bin/env node',
    `var ${metaUrlName} = require("node:url").pathToFileURL(__filename).href;`,
    ...requires,
    '(async function () {',
    '"use strict";',
    withoutShebang,
    '})().catch(function (err) {',
    '  process.stderr.write(String(err && err.stack || err) + "\\n");',
    '  process.exit(1);',
    '});',
    '',
  ].join('\n');
  // Fail the build, not the first start, when the result is not valid JavaScript.
  new Script(program.replace(/^#!.*\n/, ''), { filename: 'plugin.cjs' });
  return program;
}
