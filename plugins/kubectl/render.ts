import { codeBlockMessage, type Message, plaintextMessage } from '../../src/sdk/index.js';
import type { KubectlResult } from './run-kubectl.js';

/**
 * The answer to a finished kubectl run. Success: stdout as a code block the host may narrow with
 * `--filter` (kubectl's "No resources found" notes go to stderr, so with no stdout stderr is
 * shown). Otherwise stdout and stderr with how it ended under them. Long output is left whole up
 * to the limit: the host posts an answer too long for the platform as a file.
 */
export function renderResult(
  result: KubectlResult,
  limits: { timeoutSeconds: number; maxOutputBytes: number },
): Message {
  if (result.startError) return plaintextMessage(`kubectl could not start: ${result.startError}.`);
  const status = describeEnd(result, limits);
  if (status === undefined) {
    const text = result.stdout !== '' ? result.stdout : result.stderr;
    return text === ''
      ? plaintextMessage('The command succeeded with no output.')
      : codeBlockMessage(text, { allowFilter: true });
  }
  const output = [result.stdout, result.stderr]
    .filter((t) => t !== '')
    .join(result.stdout.endsWith('\n') ? '' : '\n');
  if (output === '') return plaintextMessage(status);
  return { baseBody: { codeBlock: output }, sections: [{ context: [{ text: status }] }] };
}

function describeEnd(
  result: KubectlResult,
  limits: { timeoutSeconds: number; maxOutputBytes: number },
): string | undefined {
  switch (result.stopped) {
    case 'timeout':
      return `Stopped after the ${limits.timeoutSeconds}s time limit (config: timeoutSeconds).`;
    case 'output-limit':
      return `Output cut at ${limits.maxOutputBytes} bytes and kubectl stopped (config: maxOutputBytes).`;
    case 'cancelled':
      return 'Cancelled.';
    default:
      return result.exitCode === 0
        ? undefined
        : `kubectl exited with status ${result.exitCode ?? 'unknown'}.`;
  }
}

/** A refusal: why, and where to read what runs. */
export function renderRefusal(reason: string): Message {
  return plaintextMessage(`Refused: ${reason} Run \`kubectl help\` to see what runs.`);
}

/** The Help RPC answer and `kubectl help`. */
export function renderHelp(): Message {
  return plaintextMessage(
    [
      'kubectl <command> runs kubectl against this cluster as the identity this channel has (no shell: quotes group words, nothing is expanded).',
      'kubectl (nothing after it) opens the interactive builder where the platform has dropdowns.',
      'Without -n, --namespace or -A the configured default namespace is used.',
      'Refused everywhere: config, plugin, proxy, port-forward, edit, debug, cp, diff, kustomize, replace, wait, alpha; flags that change the cluster or identity (--kubeconfig, --server, --token, --as, --context …), read or write local files (-f, -k, --from-file, -o *-file …), never end (-w, --follow) or need a terminal (-i, -t). exec and attach run only when the config lists them.',
      'Narrow the output with --filter="text".',
    ].join('\n'),
  );
}
