import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importSpecifiers, readSourceTree, resolveInSrc, valueSpecifiers } from './import-graph.js';

/*
 * packages/sdk publishes src/sdk with everything it reaches in src/ (contract/, gen/). Its
 * package.json declares only the protobuf runtime (the gRPC server is the SDK's own, over
 * node:http2); the build bundles the rest. This keeps the two honest: a new import in that closure must be a Node built-in, one of
 * the declared dependencies, or a package the build is known to bundle.
 */

const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));
const sdkPackage = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../packages/sdk/package.json', import.meta.url)), 'utf8'),
) as { dependencies: Record<string, string> };
/** Inlined by packages/sdk/build.mjs (its licence goes into THIRD-PARTY.md). */
const bundled = new Set(['yaml']);
const tree = readSourceTree(srcDir);

/** Every src/ file the SDK entry reaches (tests excluded), with its value imports. */
function closure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    const text = tree.get(file);
    if (text === undefined) throw new Error(`the SDK imports ${file}, which is not in src/`);
    const specifiers = importSpecifiers(text);
    seen.set(file, specifiers);
    for (const s of specifiers) {
      const target = resolveInSrc(file, s);
      if (target !== undefined) queue.push(target.replace(/\.js$/, '.ts'));
    }
  }
  return seen;
}

const packageOf = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');

describe('the SDK package closure', () => {
  const files = closure('sdk/index.ts');

  it('stays inside sdk/, contract/ and gen/', () => {
    expect(files.size).toBeGreaterThan(15);
    const outsideDirs = [...files.keys()].filter((f) => !/^(sdk|contract|gen)\//.test(f));
    expect(outsideDirs).toEqual([]);
  });

  it('imports only Node built-ins, the declared dependencies and what the build bundles', () => {
    const allowed = new Set([...Object.keys(sdkPackage.dependencies), ...bundled]);
    const strays: string[] = [];
    for (const [file, specifiers] of files) {
      const values = valueSpecifiers(tree.get(file) ?? '');
      for (const s of specifiers) {
        if (s.startsWith('.') || s.startsWith('node:') || builtinModules.includes(s)) continue;
        // A type-only import of an undeclared package would still break consumers' type checks.
        if (!allowed.has(packageOf(s)))
          strays.push(`src/${file} imports '${s}'${values.has(s) ? '' : ' (types)'}`);
      }
    }
    expect(strays).toEqual([]);
    expect(Object.keys(sdkPackage.dependencies).sort()).toEqual(['@bufbuild/protobuf']);
  });
});
