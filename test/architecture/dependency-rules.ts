import type { ImportGraph } from './import-graph.js';

/**
 * One import boundary of docs/architecture.md. Paths are `src/`-relative; a target keeps the
 * extension the import was written with (`app/topology.js`).
 */
export interface DependencyRule {
  /** The rule in words; every failure message quotes it. */
  name: string;
  /** Whether the rule constrains the imports of `file`. */
  appliesTo(file: string): boolean;
  /** Whether `file` importing `target` breaks the rule. */
  forbids(target: string, file: string): boolean;
  /** The rule is about code that runs: imports erased at compile time (type-only) do not count. */
  valuesOnly?: boolean;
}

/** An import that breaks a rule. */
export interface Violation {
  file: string;
  specifier: string;
  target: string;
  rule: string;
}

/** True for a path inside one of `dirs` (`plugins/host` matches `plugins/host/x.ts`). */
const under =
  (...dirs: string[]) =>
  (path: string): boolean =>
    dirs.some((dir) => path.startsWith(`${dir}/`));

/** The module a target names, without the extension it was imported with. */
const moduleOf = (target: string) => target.replace(/\.(?:js|ts|mjs)$/, '');

/** `bots/<platform>/…` → `<platform>`; undefined for `bots/bot.ts` and files outside bots/. */
const botOf = (path: string) => /^bots\/([^/]+)\//.exec(path)?.[1];

const outside =
  (...dirs: string[]) =>
  (target: string): boolean =>
    !under(...dirs)(target);

/** The rules that hold for every file in `src/` today. */
/** Colocated unit tests may reach across to build their inputs (e.g. parse config defaults). */
const isTest = (file: string): boolean => file.endsWith('.test.ts');

export const dependencyRules: readonly DependencyRule[] = [
  {
    name: 'src/gen/ (generated protobuf code) imports only src/gen/',
    appliesTo: under('gen'),
    forbids: outside('gen'),
  },
  {
    name: 'src/contract/ (the wire contract) imports only src/gen/',
    appliesTo: under('contract'),
    forbids: outside('contract', 'gen'),
  },
  {
    name: 'src/sdk/ (for plugin authors) imports only src/gen/ and src/contract/',
    appliesTo: under('sdk'),
    forbids: outside('sdk', 'gen', 'contract'),
  },
  {
    name: 'nothing in src/ outside src/sdk/ imports src/sdk/ (the wire model is in src/contract/)',
    appliesTo: (file) => !under('sdk')(file),
    forbids: under('sdk'),
  },
  {
    name: 'src/core/ (shared model, no I/O) imports only src/contract/, src/gen/ and src/errors/',
    appliesTo: under('core'),
    forbids: outside('core', 'contract', 'gen', 'errors'),
  },
  {
    name: 'src/errors/ imports nothing of ours',
    appliesTo: under('errors'),
    forbids: outside('errors'),
  },
  {
    name: 'only src/cli/ imports src/app/ (the composition root); nothing below it does',
    appliesTo: (file) => !under('app', 'cli')(file),
    forbids: under('app'),
  },
  {
    name: 'src/plugins/host/ imports no bridge/, bots/, sinks/, delivery/ or config/',
    appliesTo: under('plugins/host'),
    forbids: under('bridge', 'bots', 'sinks', 'delivery', 'config'),
  },
  {
    name: 'src/bridge/ imports no bots/, sinks/ or config/load',
    appliesTo: under('bridge'),
    forbids: (target) => under('bots', 'sinks')(target) || moduleOf(target) === 'config/load',
  },
  {
    name: 'src/bridge/ imports src/plugins/host/ as types only (app/ hands it the clients; keeping streams going is bridge policy)',
    appliesTo: under('bridge'),
    forbids: under('plugins/host'),
    valuesOnly: true,
  },
  {
    name: 'src/bots/ and src/sinks/ import no plugins/, bridge/ or app/',
    appliesTo: under('bots', 'sinks'),
    forbids: under('plugins', 'bridge', 'app'),
  },
  {
    name: 'a bot imports no other bot (bots/bot.ts is the shared interface; shared rendering goes in core/)',
    appliesTo: (file) => botOf(file) !== undefined,
    forbids: (target, file) => {
      const other = botOf(target);
      return other !== undefined && other !== botOf(file);
    },
  },
  {
    name: 'src/bots/ and src/sinks/ import no config/ (each owns its config slice in its folder)',
    appliesTo: under('bots', 'sinks'),
    forbids: under('config'),
  },
  {
    name: 'src/delivery/ imports no config/ (app/ hands it plain settings; its tests may parse config defaults)',
    appliesTo: (file) => under('delivery')(file) && !isTest(file),
    forbids: under('config'),
  },
  {
    name: 'src/platforms/ imports no config/, app/, bridge/ or plugins/ (config/ derives from the registry, not the reverse)',
    appliesTo: (file) => under('platforms')(file) && !isTest(file),
    forbids: under('config', 'app', 'bridge', 'plugins'),
  },
  {
    name: 'src/http/ imports no bots/ and no plugins/host/ (it mounts the handlers it is given)',
    appliesTo: under('http'),
    forbids: under('bots', 'plugins/host'),
  },
];

/** Every import of `graph` that breaks one of `rules`, in file order. */
export function checkRules(graph: ImportGraph, rules: readonly DependencyRule[]): Violation[] {
  const violations: Violation[] = [];
  for (const [file, edges] of graph) {
    for (const rule of rules) {
      if (!rule.appliesTo(file)) continue;
      for (const { specifier, target, typeOnly } of edges) {
        if (rule.valuesOnly && typeOnly) continue;
        if (target !== undefined && rule.forbids(target, file)) {
          violations.push({ file, specifier, target, rule: rule.name });
        }
      }
    }
  }
  return violations;
}

/** `src/bots/x/a.ts imports '../../app/agent.js' (src/app/agent.js), against the rule: …`. */
export function describeViolation(v: Violation): string {
  return `src/${v.file} imports '${v.specifier}' (src/${v.target}), against the rule: ${v.rule}`;
}
