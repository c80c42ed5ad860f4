/**
 * The kubectl executor: runs the real kubectl (argv, never a shell) as the identity the agent
 * gives each call, with Botkube's `botkube/kubectl` config and interactive builder. See README.md.
 */
import { serveExecutor } from '../../src/sdk/index.js';
import { kubectlConfigSchema } from './config.js';
import { execute } from './execute.js';
import { renderHelp } from './render.js';

// kubectl v1.28.1, the version Botkube v1.14 pins. The sha256 values are dl.k8s.io's, as two public
// sources (a Bazel toolchain table and a Dockerfile) agree; the host checks each download against them.
const kubectlUrls: Record<string, string> = {
  'linux/amd64':
    'https://dl.k8s.io/release/v1.28.1/bin/linux/amd64/kubectl?checksum=sha256:e7a7d6f9d06fab38b4128785aa80f65c54f6675a0d2abef655259ddd852274e1',
  'linux/arm64':
    'https://dl.k8s.io/release/v1.28.1/bin/linux/arm64/kubectl?checksum=sha256:46954a604b784a8b0dc16754cfc3fa26aabca9fd4ffd109cd028bfba99d492f6',
  'darwin/amd64':
    'https://dl.k8s.io/release/v1.28.1/bin/darwin/amd64/kubectl?checksum=sha256:d6b8f2bac5f828478eade0acf15fb7dde02d7613fc9e644dc019a7520d822a1a',
  'darwin/arm64':
    'https://dl.k8s.io/release/v1.28.1/bin/darwin/arm64/kubectl?checksum=sha256:8fe9f753383574863959335d8b830908e67a40c3f51960af63892d969bfc1b10',
};

await serveExecutor({
  metadata: {
    version: '1.0.0',
    description: 'Runs kubectl commands in chat as the channel’s identity; accepts Botkube kubectl config.',
    jsonSchema: kubectlConfigSchema,
    dependencies: { kubectl: { urls: kubectlUrls } },
  },
  help: renderHelp,
  execute,
});
