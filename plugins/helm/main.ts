/**
 * The helm executor: runs the real helm (argv, never a shell) as the identity the agent gives
 * each call, with Botkube's `botkubeExtra/helm` config and command allowlist. See README.md.
 */
import { serveExecutor } from '../../src/sdk/index.js';
import { helmConfigSchema } from './config.js';
import { execute } from './execute.js';
import { renderHelp } from './render.js';

// helm v3.6.3, the version Botkube v1.14 pins, from get.helm.sh. The tarballs hold the binary
// under `<os>-<arch>/`, hence the go-getter subdirectory. The sha256 values are the ones helm's
// v3.6.3 release notes publish (several public build files agree); the host checks each
// download against them before extracting.
const helmUrls: Record<string, string> = {
  'linux/amd64':
    'https://get.helm.sh/helm-v3.6.3-linux-amd64.tar.gz//linux-amd64?checksum=sha256:07c100849925623dc1913209cd1a30f0a9b80a5b4d6ff2153c609d11b043e262',
  'linux/arm64':
    'https://get.helm.sh/helm-v3.6.3-linux-arm64.tar.gz//linux-arm64?checksum=sha256:6fe647628bc27e7ae77d015da4d5e1c63024f673062ac7bc11453ccc55657713',
  'darwin/amd64':
    'https://get.helm.sh/helm-v3.6.3-darwin-amd64.tar.gz//darwin-amd64?checksum=sha256:84a1ff17dd03340652d96e8be5172a921c97825fd278a2113c8233a4e8db5236',
  'darwin/arm64':
    'https://get.helm.sh/helm-v3.6.3-darwin-arm64.tar.gz//darwin-arm64?checksum=sha256:a50b499dbd0bbec90761d50974bf1e67cc6d503ea20d03b4a1275884065b7e9e',
};

await serveExecutor({
  metadata: {
    version: '1.0.0',
    description: 'Runs helm commands in chat as the channel’s identity; accepts Botkube helm config.',
    jsonSchema: helmConfigSchema,
    dependencies: { helm: { urls: helmUrls } },
  },
  help: renderHelp,
  execute,
});
