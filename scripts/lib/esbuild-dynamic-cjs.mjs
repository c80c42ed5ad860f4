// Shared by scripts/bundle-agent.mjs (the npm package's bundle) and scripts/image/bundle.mjs (the
// container image's): both bundle the agent with esbuild and both meet its dynamic imports of
// CommonJS packages.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/*
 * `const { EnvHttpProxyAgent } = await import('undici')` gets Node's namespace of a CommonJS
 * package: its exports by name. esbuild's chunk for a dynamically imported CommonJS module
 * exports `default` only, so the name would be undefined. Such an import goes through a module
 * that exports the package's names (read from the package here, as Node would see them).
 * `external` are the packages left outside the bundle (Node loads those itself).
 */
export function dynamicCommonJsNames(external) {
  return {
    name: 'dynamic-commonjs-names',
    setup(b) {
      const requireHere = createRequire(import.meta.url);
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData === 'inner') return undefined;
        if (args.path.startsWith('node:') || external.includes(args.path)) return undefined;
        const found = await b.resolve(args.path, {
          kind: 'import-statement',
          resolveDir: args.resolveDir,
          pluginData: 'inner',
        });
        if (found.errors.length > 0 || !isCommonJs(found.path)) return undefined;
        return { path: found.path, namespace: 'dynamic-commonjs' };
      });
      b.onLoad({ filter: /.*/, namespace: 'dynamic-commonjs' }, (args) => {
        const names = Object.keys(requireHere(args.path)).filter(
          (n) => n !== 'default' && /^[A-Za-z_$][\w$]*$/.test(n),
        );
        return {
          // A namespace import, not a default one: a CommonJS file compiled from ESM (`__esModule`,
          // as @nats-io/* is) has no default in esbuild's interop, while its names are all there.
          // Node's default is module.exports; that is the namespace's `default` for plain CommonJS.
          contents: `import * as ns from ${JSON.stringify(args.path)};\nexport default ns.default ?? ns;\nexport const { ${names.join(', ')} } = ns;\n`,
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/** Whether Node loads this file as CommonJS (extension, or the nearest package.json's type). */
function isCommonJs(file) {
  if (file.endsWith('.cjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) return JSON.parse(readFileSync(pj, 'utf8')).type !== 'module';
  }
  return true;
}
