import type { ExecuteInput, ExecuteOutput } from '../../src/sdk/index.js';
import { plaintextMessage } from '../../src/sdk/index.js';
import { writeCallKubeconfig } from '../kubectl/kubectl-env.js';
import { runKubectl as runTool } from '../kubectl/run-kubectl.js';
import { TokenizeError, tokenize } from '../kubectl/tokenize.js';
import { type HelmConfig, readHelmConfig } from './config.js';
import { checkHelmCommand } from './guard.js';
import { helmEnvironment, makeWorkDir, resolveHelm } from './helm-env.js';
import { renderHelp, renderRefusal, renderResult } from './render.js';

const missingKubeconfig =
  'The kubeconfig for this call is missing: give the helm plugin an identity with `context.rbac` in its executor config (see docs/rbac.md).';
const helpFlags = new Set(['-h', '--help']);

/** Handles `helm …`: help, a refusal, or one run of the real helm as the call's identity. */
export async function execute(input: ExecuteInput): Promise<ExecuteOutput> {
  const config = readHelmConfig(input.config());
  let words: string[];
  try {
    words = tokenize(input.command).slice(1); // the first word is the plugin's own ("helm")
  } catch (err) {
    if (err instanceof TokenizeError) return renderRefusal(`${err.message}.`);
    throw err;
  }
  if (words.length === 0 || words[0] === 'help' || words.some((w) => helpFlags.has(w))) return renderHelp();
  const verdict = checkHelmCommand(words, {
    defaultNamespace: config.defaultNamespace ?? 'default',
    ...(config.readOnly ? { readOnly: true } : {}),
  });
  if (!verdict.allowed) return renderRefusal(verdict.reason);
  const needsCluster = !verdict.command.local;
  if (needsCluster && input.context.kubeConfig.length === 0) return plaintextMessage(missingKubeconfig);
  input.log.info('running helm', { args: redact(verdict.args) });
  const limits = {
    timeoutSeconds: config.timeoutSeconds ?? 120,
    maxOutputBytes: config.maxOutputBytes ?? 1_048_576,
  };
  const result = await runHelm(input, config, verdict.args, needsCluster, limits);
  return renderResult(result, limits, verdict.command.writes);
}

async function runHelm(
  input: ExecuteInput,
  config: HelmConfig,
  args: string[],
  needsCluster: boolean,
  limits: { timeoutSeconds: number; maxOutputBytes: number },
) {
  const file = await resolveHelm(config.helmPath, process.env);
  const kubeconfig = needsCluster ? await writeCallKubeconfig(input.context.kubeConfig) : undefined;
  const work = await makeWorkDir();
  try {
    return await runTool({
      file,
      args,
      env: await helmEnvironment(kubeconfig?.path, config, process.env),
      cwd: work.path,
      timeoutMs: limits.timeoutSeconds * 1000,
      maxOutputBytes: limits.maxOutputBytes,
      signal: input.signal,
    });
  } finally {
    await Promise.all([kubeconfig?.remove(), work.remove()]);
  }
}

/** Chart repository passwords stay out of the plugin's log. */
function redact(args: string[]): string[] {
  return args.map((arg, i) =>
    arg.startsWith('--password=')
      ? '--password=<redacted>'
      : args[i - 1] === '--password'
        ? '<redacted>'
        : arg,
  );
}
