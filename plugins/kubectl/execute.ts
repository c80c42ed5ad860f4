import type { ExecuteInput, ExecuteOutput, Message } from '../../src/sdk/index.js';
import { type BuilderLookups, parseBuilderState, renderBuilder } from './builder.js';
import { type KubectlConfig, readKubectlConfig } from './config.js';
import { checkCommand } from './guard.js';
import { kubectlEnvironment, resolveKubectl, writeCallKubeconfig } from './kubectl-env.js';
import { renderHelp, renderRefusal, renderResult } from './render.js';
import { type KubectlResult, runKubectl } from './run-kubectl.js';
import { TokenizeError, tokenize } from './tokenize.js';

const missingKubeconfig =
  'The kubeconfig for this call is missing: give the kubectl plugin an identity with `context.rbac` in its executor config (see docs/rbac.md).';
const namesTemplate = '{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}';

/**
 * Handles `kubectl …`: the builder (nothing after `kubectl`, or `@builder …`), help, a refusal,
 * or one run of the real kubectl with the call's kubeconfig, which exists only for that run.
 */
export async function execute(input: ExecuteInput): Promise<ExecuteOutput> {
  const config = readKubectlConfig(input.config());
  let words: string[];
  try {
    words = tokenize(input.command).slice(1); // the first word is the plugin's own ("kubectl")
  } catch (err) {
    if (err instanceof TokenizeError) return renderRefusal(`${err.message}.`);
    throw err;
  }
  if (words.length === 1 && words[0] === 'help') return renderHelp();
  if (words.length === 0 || words[0] === '@builder') {
    const state = parseBuilderState(words.slice(1), input.context.slackState);
    return renderBuilder(state, config, input.context.interactive, builderLookups(input, config));
  }
  const defaultNamespace = config.defaultNamespace ?? 'default';
  const verdict = checkCommand(words, {
    defaultNamespace,
    ...(config.commands ? { restrictions: config.commands } : {}),
  });
  if (!verdict.allowed) return renderRefusal(verdict.reason);
  if (input.context.kubeConfig.length === 0)
    return { baseBody: { plaintext: missingKubeconfig } } satisfies Message;
  input.log.info('running kubectl', { args: verdict.args });
  const result = await runWithKubeconfig(input, config, verdict.args);
  return renderResult(result, limitsOf(config));
}

function limitsOf(config: KubectlConfig) {
  return { timeoutSeconds: config.timeoutSeconds ?? 60, maxOutputBytes: config.maxOutputBytes ?? 1_048_576 };
}

async function runWithKubeconfig(
  input: ExecuteInput,
  config: KubectlConfig,
  args: string[],
): Promise<KubectlResult> {
  const file = await resolveKubectl(config.kubectlPath, process.env);
  const kubeconfig = await writeCallKubeconfig(input.context.kubeConfig);
  try {
    const limits = limitsOf(config);
    return await runKubectl({
      file,
      args,
      env: await kubectlEnvironment(kubeconfig.path, process.env),
      timeoutMs: limits.timeoutSeconds * 1000,
      maxOutputBytes: limits.maxOutputBytes,
      signal: input.signal,
    });
  } finally {
    await kubeconfig.remove();
  }
}

/** Namespace and name lists for the builder, read as the call's identity; none without a kubeconfig. */
function builderLookups(input: ExecuteInput, config: KubectlConfig): BuilderLookups {
  const list = async (args: string[]): Promise<string[]> => {
    if (input.context.kubeConfig.length === 0) return [];
    const result = await runWithKubeconfig(input, config, [...args, '-o', `go-template=${namesTemplate}`]);
    if (result.exitCode !== 0) {
      input.log.warn('builder lookup failed', { args, stderr: result.stderr, startError: result.startError });
      return [];
    }
    return result.stdout.split('\n').filter((n) => n !== '');
  };
  return {
    namespaces: async () => (await list(['get', 'namespaces', '--chunk-size=100'])).slice(0, 100),
    names: (type, namespace) =>
      list(['get', type, '--ignore-not-found=true', ...(namespace ? ['-n', namespace] : [])]),
  };
}
