import type { PluginType } from '../repository/index-format.js';
import { pluginSource } from './plugin-sources.js';
import { pluginTestSource } from './plugin-test-source.js';

/** Version ranges the generated package.json asks for. */
export interface ScaffoldVersions {
  /** switchboard-sdk, the plugin's only run-time import (bundled into the program). */
  sdk: string;
  /** switchboard, the CLI that builds, indexes and runs the plugin. */
  cli: string;
  typescript: string;
  nodeTypes: string;
}

/** Every file of a new plugin project, by path relative to its folder. */
export function projectFiles(
  type: PluginType,
  name: string,
  versions: ScaffoldVersions,
): Map<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return new Map([
    [
      'package.json',
      json({
        name: `switchboard-plugin-${name}`,
        version: '0.1.0',
        private: true,
        description: `Switchboard ${type} plugin ${name}`,
        type: 'module',
        engines: { node: '>=20.18' },
        scripts: {
          typecheck: 'tsc --noEmit',
          build: 'switchboard plugin build --plugins-dir plugins --output dist',
          index: 'switchboard plugin index --binaries-path dist --output dist/index.yaml',
          test: 'npm run typecheck && npm run build && node --test',
        },
        dependencies: { 'switchboard-sdk': versions.sdk },
        devDependencies: {
          '@types/node': versions.nodeTypes,
          switchboard: versions.cli,
          typescript: versions.typescript,
        },
      }),
    ],
    [
      'tsconfig.json',
      json({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['plugins'],
      }),
    ],
    [`plugins/${name}/plugin.json`, json([{ type, name, entry: 'main.ts' }])],
    [`plugins/${name}/main.ts`, pluginSource(type, name)],
    [`test/${name}.test.mjs`, pluginTestSource(type, name)],
    ['.gitignore', 'node_modules/\ndist/\n.switchboard/\n'],
    ['README.md', readme(type, name)],
  ]);
}

function readme(type: PluginType, name: string): string {
  const tryIt =
    type === 'executor'
      ? `npx switchboard plugin run dist-run/${type}_${name} execute '${name} Ada'`
      : `npx switchboard plugin run dist-run/${type}_${name} stream --count 2`;
  return `# ${name}

A Switchboard ${type} plugin, written with [switchboard-sdk](https://www.npmjs.com/package/switchboard-sdk).
It also runs under Botkube.

| file | what |
| --- | --- |
| \`plugins/${name}/main.ts\` | the plugin |
| \`plugins/${name}/plugin.json\` | what \`plugin build\` bundles: type, name and entry file |
| \`test/${name}.test.mjs\` | runs the built plugin through the real host (\`switchboard plugin run\`) |

## Build, test, index, serve

\`\`\`sh
npm install
npm test                 # type check, build dist/*.tar.gz, run the tests
npm run index            # dist/index.yaml, metadata read by running the plugin
python3 -m http.server --directory dist 8080   # or any static file server
\`\`\`

Try it by hand:

\`\`\`sh
mkdir -p dist-run && tar -xzf dist/${type}_${name}_linux_amd64.tar.gz -C dist-run
${tryIt}
\`\`\`

## Use it from an agent

\`\`\`yaml
plugins:
  repositories:
    mine:
      url: http://127.0.0.1:8080/index.yaml
\`\`\`

then bind \`mine/${name}\` in an ${type === 'executor' ? '`executors`' : '`sources`'} group. Bump \`version\` in
\`main.ts\` (the index reads it from the plugin) and in \`package.json\` for every release.
`;
}
