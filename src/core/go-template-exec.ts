/**
 * Executor of a parsed Go template subset (see `go-template.ts`). Reads data only through own
 * properties of plain values: nothing in the data is ever called, and prototype keys such as
 * `constructor` or `__proto__` are missing like any absent key.
 */
import { kindOf, printValue, TemplateFuncError, templateFuncs, truth } from './go-template-funcs.js';
import type { Command, ControlNode, Node, Operand, Pipe } from './go-template-parse.js';

/** A problem while rendering at `pos`; the caller adds the template name and line:col. */
export class TemplateRenderError extends Error {
  constructor(
    readonly pos: number,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateRenderError';
  }
}

/** Settings for one render. */
export interface ExecOptions {
  maxOutputChars: number;
  maxRangeIterations: number;
  missingKey: 'empty' | 'error';
}

type Signal = 'break' | 'continue' | undefined;

/** Renders `nodes` with `data` as both `.` and `$`. Throws {@link TemplateRenderError}. */
export function execute(nodes: Node[], data: unknown, options: ExecOptions): string {
  const state = new State(data, options);
  state.list(nodes, data);
  return state.out.join('');
}

class State {
  readonly out: string[] = [];
  private outLength = 0;
  private iterations = 0;
  private readonly vars: { name: string; value: unknown }[];

  constructor(
    root: unknown,
    private readonly options: ExecOptions,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  list(nodes: Node[], dot: unknown): Signal {
    for (const node of nodes) {
      const signal = this.node(node, dot);
      if (signal) return signal;
    }
    return undefined;
  }

  private node(node: Node, dot: unknown): Signal {
    switch (node.type) {
      case 'text':
        this.write(node.text, node.pos);
        return undefined;
      case 'action': {
        const value = this.pipe(node.pipe, dot);
        if (node.pipe.decl.length === 0) this.write(printValue(value), node.pos);
        return undefined;
      }
      case 'break':
      case 'continue':
        return node.type;
      case 'range':
        return this.range(node, dot);
      default: {
        const mark = this.vars.length;
        const value = this.pipe(node.pipe, dot);
        const signal = truth(value)
          ? this.list(node.list, node.type === 'with' ? value : dot)
          : node.elseList
            ? this.list(node.elseList, dot)
            : undefined;
        this.vars.length = mark;
        return signal;
      }
    }
  }

  private range(node: ControlNode, dot: unknown): Signal {
    const mark = this.vars.length;
    const value = this.commands(node.pipe, dot);
    const kind = kindOf(value);
    let entries: [unknown, unknown][];
    if (kind === 'array') entries = (value as unknown[]).map((v, i) => [i, v]);
    else if (kind === 'object') {
      const o = value as Record<string, unknown>;
      entries = Object.keys(o)
        .sort()
        .map((k) => [k, o[k]]);
    } else if (kind === 'missing' || kind === 'null') entries = [];
    else
      throw new TemplateRenderError(
        node.pos,
        `range can't iterate over ${kind} ${JSON.stringify(printValue(value))}`,
      );

    const [first, second] = node.pipe.decl;
    for (const [key, element] of entries) {
      this.iterations += 1;
      if (this.iterations > this.options.maxRangeIterations) {
        throw new TemplateRenderError(
          node.pos,
          `range iterations exceed the limit of ${this.options.maxRangeIterations}`,
        );
      }
      this.vars.length = mark;
      if (second !== undefined && first !== undefined) {
        this.vars.push({ name: first, value: key }, { name: second, value: element });
      } else if (first !== undefined) {
        this.vars.push({ name: first, value: element });
      }
      if (this.list(node.list, element) === 'break') break;
    }
    this.vars.length = mark;
    const signal = entries.length === 0 && node.elseList ? this.list(node.elseList, dot) : undefined;
    this.vars.length = mark;
    return signal;
  }

  /** Evaluates a pipeline and binds its variables (declares, or assigns with `=`). */
  private pipe(pipe: Pipe, dot: unknown): unknown {
    const value = this.commands(pipe, dot);
    for (const name of pipe.decl) {
      if (pipe.assign) {
        const slot = this.vars.findLast((v) => v.name === name);
        if (slot) slot.value = value;
      } else {
        this.vars.push({ name, value });
      }
    }
    return value;
  }

  private commands(pipe: Pipe, dot: unknown): unknown {
    let value: unknown;
    pipe.cmds.forEach((cmd, i) => {
      value = this.command(cmd, dot, i > 0 ? { value } : undefined);
    });
    return value;
  }

  private command(cmd: Command, dot: unknown, piped: { value: unknown } | undefined): unknown {
    const [first, ...rest] = cmd.args as [Operand, ...Operand[]];
    if (first.type !== 'func') return this.operand(first, dot);
    const name = first.name;
    if (name === 'and' || name === 'or') {
      // Go 1.18+: evaluate left to right and stop at the first value that decides.
      const thunks: (() => unknown)[] = rest.map((arg) => () => this.operand(arg, dot));
      if (piped) thunks.push(() => piped.value);
      let value: unknown;
      for (const thunk of thunks) {
        value = thunk();
        if (truth(value) === (name === 'or')) return value;
      }
      return value;
    }
    const args = rest.map((arg) => this.operand(arg, dot));
    if (piped) args.push(piped.value);
    return this.call(name, args, first.pos);
  }

  private call(name: string, args: unknown[], pos: number): unknown {
    const fn = templateFuncs.get(name);
    let result: unknown;
    try {
      result = fn?.call?.(args);
    } catch (err) {
      const message = err instanceof TemplateFuncError ? err.message : `${name}: ${(err as Error).message}`;
      throw new TemplateRenderError(pos, `error calling ${name}: ${message}`);
    }
    if (typeof result === 'string' && result.length > this.options.maxOutputChars) {
      throw new TemplateRenderError(
        pos,
        `the result of ${name} exceeds the output limit of ${this.options.maxOutputChars} characters`,
      );
    }
    return result;
  }

  private operand(op: Operand, dot: unknown): unknown {
    switch (op.type) {
      case 'literal':
        return op.value;
      case 'func':
        return this.call(op.name, [], op.pos);
      case 'field':
        return this.chain(dot, op.chain, op.pos);
      case 'variable': {
        const slot = this.vars.findLast((v) => v.name === op.name);
        return this.chain(slot?.value, op.chain, op.pos);
      }
      case 'pipe':
        return this.chain(this.commands(op.pipe, dot), op.chain, op.pos);
    }
  }

  private chain(start: unknown, names: string[], pos: number): unknown {
    let value = start;
    for (const name of names) {
      const kind = kindOf(value);
      if (kind === 'object') {
        if (Object.hasOwn(value as object, name)) value = (value as Record<string, unknown>)[name];
        else if (this.options.missingKey === 'error')
          throw new TemplateRenderError(pos, `map has no entry for key "${name}"`);
        else value = undefined;
      } else if (kind === 'missing' || kind === 'null') {
        if (this.options.missingKey === 'error')
          throw new TemplateRenderError(pos, `nil value evaluating field ${name}`);
        value = undefined;
      } else {
        throw new TemplateRenderError(pos, `can't evaluate field ${name} in type ${kind}`);
      }
    }
    return value;
  }

  private write(text: string, pos: number): void {
    this.outLength += text.length;
    if (this.outLength > this.options.maxOutputChars) {
      throw new TemplateRenderError(
        pos,
        `output exceeds the limit of ${this.options.maxOutputChars} characters`,
      );
    }
    this.out.push(text);
  }
}
