import { codeBlockMessage, type Message, plaintextMessage } from '../../src/sdk/index.js';
import type { KubectlResult as ToolResult } from '../kubectl/run-kubectl.js';

export interface RenderLimits {
  timeoutSeconds: number;
  maxOutputBytes: number;
}

/**
 * The answer to a finished helm run. Success: stdout as a code block; the host's "filter output"
 * re-run is offered for read-only commands only, since re-running a write would repeat it
 * (Botkube #907). Otherwise stdout and stderr (helm's `Error: …`) with how it ended under them.
 */
export function renderResult(result: ToolResult, limits: RenderLimits, writes: boolean): Message {
  if (result.startError) return plaintextMessage(`helm could not start: ${result.startError}.`);
  const status = describeEnd(result, limits);
  if (status === undefined) {
    const text = result.stdout !== '' ? result.stdout : result.stderr;
    return text === ''
      ? plaintextMessage('The command succeeded with no output.')
      : codeBlockMessage(text, { allowFilter: !writes });
  }
  const output = [result.stdout, result.stderr]
    .filter((t) => t !== '')
    .join(result.stdout.endsWith('\n') ? '' : '\n');
  if (output === '') return plaintextMessage(status);
  return { baseBody: { codeBlock: output }, sections: [{ context: [{ text: status }] }] };
}

function describeEnd(result: ToolResult, limits: RenderLimits): string | undefined {
  switch (result.stopped) {
    case 'timeout':
      return `Stopped after the ${limits.timeoutSeconds}s time limit (config: timeoutSeconds).`;
    case 'output-limit':
      return `Output cut at ${limits.maxOutputBytes} bytes and helm stopped (config: maxOutputBytes).`;
    case 'cancelled':
      return 'Cancelled.';
    default:
      return result.exitCode === 0 ? undefined : `helm exited with status ${result.exitCode ?? 'unknown'}.`;
  }
}

/** A refusal: why, and where to read what runs. */
export function renderRefusal(reason: string): Message {
  return plaintextMessage(`Refused: ${reason} Run \`helm help\` to see what runs.`);
}

/** The Help RPC answer and `helm help`. */
export function renderHelp(): Message {
  return plaintextMessage(
    [
      'helm <command> runs helm against this cluster as the identity this channel has (no shell: quotes group words, nothing is expanded).',
      'Read: list (ls), status NAME, history (hist) NAME, get all|hooks|manifest|notes|values NAME, version.',
      'Write (as RBAC allows, unless the config is readOnly): install [NAME] CHART, upgrade NAME CHART, uninstall (un, delete, del) NAME…, rollback NAME [REVISION], test NAME.',
      'Charts come from repo/chart, an https:// URL, or a name with --repo https://…; never from a local path, over plain http or from OCI.',
      'Refused: --post-renderer (runs a local program), -f/--values, --set-file and the key/cert/CA files (read local files), --kubeconfig and --kube-* (the identity is the agent’s to set), --wait, --wait-for-jobs and --atomic.',
      'Without -n or --namespace the configured default namespace is used. Narrow read output with --filter="text".',
    ].join('\n'),
  );
}
