import {
  botNamePlaceholder,
  commandButton,
  type Message,
  type OptionItem,
  plaintextMessage,
  type Section,
  type Select,
} from '../../src/sdk/index.js';
import { defaultBuilderResources, defaultBuilderVerbs, type KubectlConfig } from './config.js';
import { checkCommand } from './guard.js';
import { isNamespaced } from './resources.js';

/** What the user has picked so far. */
export interface BuilderState {
  verb?: string;
  type?: string;
  namespace?: string;
  name?: string;
}

/** The builder's flags, as in Botkube's select commands (`kubectl @builder --verbs get`). */
const flags = {
  verb: '--verbs',
  type: '--resource-type',
  namespace: '--namespace',
  name: '--resource-name',
} as const satisfies Record<keyof BuilderState, string>;
const order: (keyof BuilderState)[] = ['verb', 'type', 'namespace', 'name'];

/** Verbs with no resource step. */
const resourcelessVerbs = new Set(['api-resources', 'api-versions', 'cluster-info']);
/** Verbs that need an object name before the command can run. */
const needsName = new Set(['logs', 'exec', 'attach', 'cordon', 'uncordon', 'drain']);
/** A select value must be one plain word: it is appended to a command. */
const plainWord = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Reads the builder state from the words after `@builder` (each flag followed by its value;
 * a select's choice arrives appended to its command) and, on Slack, from the block-action
 * state Botkube hosts send (`values[block][action].selected_option.value`, the action ID being
 * the select's command). Words win over Slack state; values that are not one plain word are
 * dropped.
 */
export function parseBuilderState(words: string[], slackState?: Uint8Array): BuilderState {
  const state: BuilderState = {};
  const set = (flag: string, value: unknown) => {
    const key = order.find((k) => flags[k] === flag);
    if (key && typeof value === 'string' && plainWord.test(value)) state[key] = value;
  };
  if (slackState && slackState.length > 0) {
    try {
      const parsed = JSON.parse(new TextDecoder().decode(slackState)) as {
        values?: Record<string, Record<string, { selected_option?: { value?: unknown } }>>;
      };
      for (const block of Object.values(parsed.values ?? {})) {
        for (const [actionId, action] of Object.entries(block)) {
          const flag = actionId.trim().split(/\s+/).at(-1) ?? '';
          set(flag, action.selected_option?.value);
        }
      }
    } catch {
      // Not JSON: the words alone decide.
    }
  }
  for (let i = 0; i < words.length; i += 1) {
    const word = words[i] as string;
    if (word.startsWith('--')) {
      set(word, words[i + 1]);
      i += 1;
    }
  }
  return state;
}

/** Lookups the builder needs from the cluster, as the identity of the call. */
export interface BuilderLookups {
  namespaces(): Promise<string[]>;
  names(type: string, namespace: string | undefined): Promise<string[]>;
}

/** The command the state describes, or undefined while it cannot run yet. */
export function previewCommand(state: BuilderState, defaultNamespace: string): string | undefined {
  const { verb, type, name } = state;
  if (!verb) return undefined;
  if (resourcelessVerbs.has(verb)) return `kubectl ${verb}`;
  if (!type) return undefined;
  if (needsName.has(verb) && !name) return undefined;
  const namespace =
    isNamespaced(type) && verb !== 'explain' ? (state.namespace ?? defaultNamespace) : undefined;
  let target = name ? `${type} ${name}` : type;
  if (verb === 'logs' || verb === 'exec' || verb === 'attach')
    target = type === 'pods' ? `${name}` : `${type}/${name}`;
  if (['cordon', 'uncordon', 'drain'].includes(verb)) target = `${name}`;
  return `kubectl ${verb} ${target}${namespace ? ` -n ${namespace}` : ''}`;
}

function selectCommand(state: BuilderState, field: keyof BuilderState): string {
  const before = order.slice(0, order.indexOf(field));
  const parts = before.flatMap((k) => (state[k] ? [flags[k], state[k]] : []));
  return `${botNamePlaceholder} kubectl @builder ${[...parts, flags[field]].join(' ')}`;
}

function select(
  name: string,
  state: BuilderState,
  field: keyof BuilderState,
  values: string[],
  label = (v: string) => v,
): Select {
  const options: OptionItem[] = values.map((v) => ({ name: label(v), value: v }));
  const chosen = state[field];
  const initial = options.find((o) => o.value === chosen);
  return {
    type: 'static',
    name,
    command: selectCommand(state, field),
    optionGroups: [{ name, options }],
    ...(initial ? { initialOption: initial } : {}),
  };
}

/**
 * The builder message for a state: verb → resource type → namespace → name dropdowns (each
 * choice re-runs the plugin with the state in its command), then a preview and a Run button
 * once the command is complete. Verbs the guard refuses are never offered. Shown only to the
 * user who asked, and replacing itself on each step.
 */
export async function renderBuilder(
  state: BuilderState,
  config: KubectlConfig,
  interactive: boolean,
  lookups: BuilderLookups,
): Promise<Message> {
  if (!interactive) {
    return plaintextMessage(
      'This platform has no dropdowns: type the whole command, e.g. `kubectl get pods -n default`. `kubectl help` lists what runs.',
    );
  }
  const defaultNamespace = config.defaultNamespace ?? 'default';
  const allowed = config.interactiveBuilder?.allowed ?? {};
  const restrictions = config.commands ? { restrictions: config.commands } : {};
  // The verb alone: whether its resource is allowed is the next step's question.
  const verbOnly = config.commands?.verbs ? { restrictions: { verbs: config.commands.verbs } } : {};
  const verbs = (allowed.verbs ?? defaultBuilderVerbs).filter(
    (v) => checkCommand([v], { defaultNamespace, ...verbOnly }).allowed,
  );
  const current: BuilderState = {};
  if (state.verb && verbs.includes(state.verb)) current.verb = state.verb;
  const items: Select[] = [select('Select command', current, 'verb', verbs)];
  const notes: string[] = [];

  if (current.verb && !resourcelessVerbs.has(current.verb)) {
    let types = allowed.resources ?? defaultBuilderResources;
    if (current.verb === 'top') types = types.filter((t) => t === 'pods' || t === 'nodes');
    if (current.verb === 'logs' || current.verb === 'exec' || current.verb === 'attach') {
      types = types.filter((t) =>
        ['pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs'].includes(t),
      );
    }
    if (['cordon', 'uncordon', 'drain'].includes(current.verb)) types = types.filter((t) => t === 'nodes');
    const verb = current.verb;
    // logs/exec/attach name a workload as `<type>/<name>`; a bare word there is a pod.
    const probe = (t: string) =>
      ['logs', 'exec', 'attach'].includes(verb) ? (t === 'pods' ? ['x'] : [`${t}/x`]) : [t];
    types = types.filter(
      (t) => checkCommand([verb, ...probe(t)], { defaultNamespace, ...restrictions }).allowed,
    );
    if (state.type && types.includes(state.type)) current.type = state.type;
    items.push(select('Select resource', current, 'type', types));
  }
  if (current.verb && current.type && current.verb !== 'explain') {
    const namespaced = isNamespaced(current.type);
    if (namespaced) {
      let namespaces = allowed.namespaces?.length ? allowed.namespaces : await lookups.namespaces();
      if (!namespaces.includes(defaultNamespace)) namespaces = [defaultNamespace, ...namespaces];
      current.namespace =
        state.namespace && namespaces.includes(state.namespace) ? state.namespace : defaultNamespace;
      const ordered = [current.namespace, ...namespaces.filter((n) => n !== current.namespace)];
      items.push(
        select('Select namespace', current, 'namespace', ordered, (n) =>
          n === 'default' ? 'default (namespace)' : n,
        ),
      );
    }
    if (current.verb !== 'top' || state.name) {
      const names = await lookups.names(current.type, namespaced ? current.namespace : undefined);
      if (state.name && names.includes(state.name)) current.name = state.name;
      if (names.length > 0) {
        items.push(
          select('Select name', current, 'name', names, (n) => (n.length > 75 ? `${n.slice(0, 72)}…` : n)),
        );
      } else {
        notes.push(`No ${current.type} found${namespaced ? ` in ${current.namespace}` : ''}.`);
      }
    }
  }

  const sections: Section[] = [{ selects: { id: 'kubectl-builder', items } }];
  const preview = previewCommand(current, defaultNamespace);
  if (preview) {
    sections.push({
      body: { codeBlock: preview },
      buttons: [commandButton('Run command', preview, { style: 'primary' })],
    });
  }
  if (notes.length > 0) sections.push({ context: notes.map((text) => ({ text })) });
  return {
    baseBody: { plaintext: 'Build a kubectl command: pick a verb, a resource, a namespace and a name.' },
    sections,
    onlyVisibleForYou: true,
    replaceOriginal: state.verb !== undefined,
  };
}
