/**
 * Parser of the Go template subset (see `go-template.ts`): builds the tree, and checks at
 * compile time what Go checks at parse time (unknown functions, undefined variables, `break`
 * outside `range`) plus what Go only finds when executing (argument counts, arguments given to
 * a non-function), so a template that compiles fails at render only because of its data.
 */
import { lex, TemplateSyntaxError, type Tok } from './go-template-lex.js';

/** A value-producing part of a command. */
export type Operand =
  /** `.A.B` on the current dot; `chain` is `[]` for `.` itself. */
  | { type: 'field'; pos: number; chain: string[] }
  /** `$x.A.B`; `$` is the data the template was rendered with. */
  | { type: 'variable'; pos: number; name: string; chain: string[] }
  /** A function: called with the command's other operands (and the piped value). */
  | { type: 'func'; pos: number; name: string }
  | { type: 'literal'; pos: number; value: string | number | boolean | null }
  /** `(pipeline).A.B` */
  | { type: 'pipe'; pos: number; pipe: Pipe; chain: string[] };

/** Operands separated by blanks; the first is the function (or the only value). */
export interface Command {
  pos: number;
  args: Operand[];
}

/** `$x := cmd | cmd`, or just `cmd | cmd`. */
export interface Pipe {
  pos: number;
  /** Declared (or, with `assign`, assigned) variable names, `$` included. */
  decl: string[];
  assign: boolean;
  cmds: Command[];
}

/** `{{ if }}`, `{{ with }}` or `{{ range }}` with its body and optional `{{ else }}` part. */
export interface ControlNode {
  type: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipe;
  list: Node[];
  elseList?: Node[];
}

/** A node of the template tree. */
export type Node =
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { type: 'break' | 'continue'; pos: number };

/** How many arguments each function takes; the parser rejects other counts. */
export type Arity = ReadonlyMap<string, { min: number; max: number }>;

interface Terminator {
  kind: 'end' | 'else' | 'eof';
  pos: number;
  /** For `{{ else if … }}` / `{{ else with … }}`: the chained keyword. */
  chain?: 'if' | 'with';
}

const keywords = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'break',
  'continue',
  'define',
  'template',
  'block',
]);

/** Parses `src`. Throws {@link TemplateSyntaxError} with the offset of the problem. */
export function parse(src: string, arity: Arity, maxDepth: number): Node[] {
  return new Parser(lex(src), arity, maxDepth).parseTemplate();
}

class Parser {
  private i = 0;
  private readonly scopes: string[][] = [['$']];
  private rangeDepth = 0;
  private depth = 0;

  constructor(
    private readonly toks: Tok[],
    private readonly arity: Arity,
    private readonly maxDepth: number,
  ) {}

  parseTemplate(): Node[] {
    const { nodes, end } = this.parseList();
    if (end.kind !== 'eof') throw new TemplateSyntaxError(end.pos, `unexpected {{${end.kind}}}`);
    return nodes;
  }

  private peek(offset = 0): Tok {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)] as Tok;
  }

  private next(): Tok {
    const tok = this.peek();
    if (this.i < this.toks.length - 1) this.i += 1;
    return tok;
  }

  private expect(kind: Tok['kind'], what: string): Tok {
    const tok = this.next();
    if (tok.kind !== kind) throw new TemplateSyntaxError(tok.pos, `expected ${what}, found ${describe(tok)}`);
    return tok;
  }

  private parseList(): { nodes: Node[]; end: Terminator } {
    const nodes: Node[] = [];
    for (;;) {
      const tok = this.next();
      if (tok.kind === 'eof') return { nodes, end: { kind: 'eof', pos: tok.pos } };
      if (tok.kind === 'text') {
        nodes.push({ type: 'text', pos: tok.pos, text: tok.value });
        continue;
      }
      // Only text, actions and EOF are at this level, so this is an `open`.
      const head = this.peek();
      const word = head.kind === 'ident' ? head.value : '';
      if (word === 'end') {
        this.next();
        this.expect('close', '}}');
        return { nodes, end: { kind: 'end', pos: tok.pos } };
      }
      if (word === 'else') {
        this.next();
        const chained = this.peek();
        if (chained.kind === 'ident' && (chained.value === 'if' || chained.value === 'with')) {
          this.next();
          return { nodes, end: { kind: 'else', pos: tok.pos, chain: chained.value } };
        }
        this.expect('close', '}}');
        return { nodes, end: { kind: 'else', pos: tok.pos } };
      }
      if (word === 'if' || word === 'with' || word === 'range') {
        this.next();
        nodes.push(this.parseControl(word, tok.pos));
      } else if (word === 'break' || word === 'continue') {
        this.next();
        if (this.rangeDepth === 0) throw new TemplateSyntaxError(tok.pos, `{{${word}}} outside {{range}}`);
        this.expect('close', '}}');
        nodes.push({ type: word, pos: tok.pos });
      } else if (word === 'define' || word === 'template' || word === 'block') {
        throw new TemplateSyntaxError(
          head.pos,
          `{{${word}}} is not supported: one template, no sub-templates`,
        );
      } else {
        const pipe = this.parsePipeline('command', 'close');
        if (pipe.decl.length > 1) throw new TemplateSyntaxError(pipe.pos, 'too many declarations in command');
        this.declare(pipe);
        nodes.push({ type: 'action', pos: tok.pos, pipe });
      }
    }
  }

  private parseControl(kind: 'if' | 'with' | 'range', pos: number): Node {
    this.enter(pos);
    this.scopes.push([]);
    const pipe = this.parsePipeline(kind, 'close');
    if (pipe.decl.length > (kind === 'range' ? 2 : 1)) {
      throw new TemplateSyntaxError(pipe.pos, `too many declarations in {{${kind}}}`);
    }
    this.declare(pipe);
    if (kind === 'range') this.rangeDepth += 1;
    const body = this.parseList();
    if (kind === 'range') this.rangeDepth -= 1;
    const node: ControlNode = { type: kind, pos, pipe, list: body.nodes };
    if (body.end.kind === 'eof') {
      throw new TemplateSyntaxError(
        body.end.pos,
        `unexpected end of template: {{${kind}}} is never closed with {{end}}`,
      );
    }
    if (body.end.kind === 'else') {
      if (body.end.chain) {
        if (body.end.chain !== kind) {
          throw new TemplateSyntaxError(
            body.end.pos,
            `{{else ${body.end.chain}}} can only follow {{${body.end.chain}}}`,
          );
        }
        // `{{else if x}}…{{end}}` is `{{else}}{{if x}}…{{end}}{{end}}`: the inner control takes the end.
        node.elseList = [this.parseControl(body.end.chain, body.end.pos)];
      } else {
        const alt = this.parseList();
        if (alt.end.kind !== 'end') {
          throw new TemplateSyntaxError(
            alt.end.pos,
            alt.end.kind === 'eof'
              ? `unexpected end of template: {{${kind}}} is never closed with {{end}}`
              : `expected {{end}}, found a second {{else}}`,
          );
        }
        node.elseList = alt.nodes;
      }
    }
    this.scopes.pop();
    this.depth -= 1;
    return node;
  }

  private enter(pos: number): void {
    this.depth += 1;
    if (this.depth > this.maxDepth)
      throw new TemplateSyntaxError(pos, `nested deeper than ${this.maxDepth} levels`);
  }

  /** `stop` is the token that ends this pipeline: `}}` or `)`. */
  private parsePipeline(context: string, stop: 'close' | 'rparen'): Pipe {
    const pos = this.peek().pos;
    const decl: string[] = [];
    let assign = false;
    const a = this.peek();
    const b = this.peek(1);
    if (a.kind === 'variable' && (b.kind === 'declare' || b.kind === 'assign')) {
      decl.push(a.value);
      assign = b.kind === 'assign';
      this.i += 2;
    } else if (
      a.kind === 'variable' &&
      b.kind === 'comma' &&
      this.peek(2).kind === 'variable' &&
      this.peek(3).kind === 'declare'
    ) {
      decl.push(a.value, this.peek(2).value);
      this.i += 4;
    }
    if (assign) this.lookup(a);
    const cmds: Command[] = [];
    for (;;) {
      const cmd = this.parseCommand(stop);
      if (cmd.args.length === 0) throw new TemplateSyntaxError(cmd.pos, `missing value for ${context}`);
      cmds.push(cmd);
      if (this.peek().kind !== 'pipe') break;
      this.next();
    }
    this.expect(stop, stop === 'close' ? '}}' : ')');
    cmds.forEach((cmd, index) => {
      this.checkCommand(cmd, index > 0);
    });
    return { pos, decl, assign, cmds };
  }

  private declare(pipe: Pipe): void {
    if (!pipe.assign) (this.scopes[this.scopes.length - 1] as string[]).push(...pipe.decl);
  }

  private lookup(tok: Tok): void {
    if (!this.scopes.some((scope) => scope.includes(tok.value))) {
      throw new TemplateSyntaxError(tok.pos, `undefined variable ${tok.value}`);
    }
  }

  private parseCommand(stop: 'close' | 'rparen'): Command {
    const pos = this.peek().pos;
    const args: Operand[] = [];
    for (;;) {
      const tok = this.peek();
      if (tok.kind === stop || tok.kind === 'pipe') return { pos, args };
      if (tok.kind === 'eof' || tok.kind === 'close' || tok.kind === 'rparen') {
        throw new TemplateSyntaxError(tok.pos, `unexpected ${describe(tok)}`);
      }
      args.push(this.parseOperand());
      const after = this.peek();
      if (after.kind === 'field' && !after.spaceBefore) {
        throw new TemplateSyntaxError(after.pos, `unexpected ${after.value} after term`);
      }
    }
  }

  private parseOperand(): Operand {
    const tok = this.next();
    switch (tok.kind) {
      case 'field':
        return { type: 'field', pos: tok.pos, chain: tok.chain ?? [] };
      case 'variable':
        this.lookup(tok);
        return { type: 'variable', pos: tok.pos, name: tok.value, chain: this.chainAfterTerm() };
      case 'string':
        return { type: 'literal', pos: tok.pos, value: tok.value };
      case 'number':
        return { type: 'literal', pos: tok.pos, value: tok.num ?? 0 };
      case 'lparen': {
        this.enter(tok.pos);
        const pipe = this.parsePipeline('parenthesized pipeline', 'rparen');
        this.depth -= 1;
        if (pipe.decl.length > 0)
          throw new TemplateSyntaxError(pipe.pos, 'variables cannot be declared inside ( )');
        return { type: 'pipe', pos: tok.pos, pipe, chain: this.chainAfterTerm() };
      }
      case 'ident':
        if (tok.value === 'true' || tok.value === 'false')
          return { type: 'literal', pos: tok.pos, value: tok.value === 'true' };
        if (tok.value === 'nil') return { type: 'literal', pos: tok.pos, value: null };
        if (keywords.has(tok.value))
          throw new TemplateSyntaxError(tok.pos, `unexpected keyword "${tok.value}" in command`);
        if (!this.arity.has(tok.value))
          throw new TemplateSyntaxError(tok.pos, `function "${tok.value}" not defined`);
        return { type: 'func', pos: tok.pos, name: tok.value };
      default:
        throw new TemplateSyntaxError(tok.pos, `unexpected ${describe(tok)} in operand`);
    }
  }

  /** `.A.B` written right after a variable or `( )`, without blanks. */
  private chainAfterTerm(): string[] {
    const tok = this.peek();
    if (tok.kind !== 'field' || tok.spaceBefore) return [];
    this.next();
    if (!tok.chain || tok.chain.length === 0)
      throw new TemplateSyntaxError(tok.pos, 'unexpected . after term');
    return tok.chain;
  }

  private checkCommand(cmd: Command, piped: boolean): void {
    const [first, ...rest] = cmd.args as [Operand, ...Operand[]];
    if (first.type === 'literal' && first.value === null && rest.length === 0 && !piped) {
      throw new TemplateSyntaxError(first.pos, 'nil is not a command');
    }
    if (first.type !== 'func') {
      if (rest.length > 0 || piped) {
        throw new TemplateSyntaxError(
          first.pos,
          `can't give argument to non-function ${describeOperand(first)}`,
        );
      }
      return;
    }
    this.checkArity(first, rest.length + (piped ? 1 : 0));
    // A function named as an argument is called with no arguments, as in Go.
    for (const arg of rest) if (arg.type === 'func') this.checkArity(arg, 0);
  }

  private checkArity(fn: { pos: number; name: string }, count: number): void {
    const { min, max } = this.arity.get(fn.name) ?? { min: 0, max: 0 };
    if (count < min || count > max) {
      const wanted =
        min === max ? `${min}` : max === Number.POSITIVE_INFINITY ? `at least ${min}` : `${min} to ${max}`;
      throw new TemplateSyntaxError(
        fn.pos,
        `wrong number of arguments for ${fn.name}: want ${wanted}, got ${count}`,
      );
    }
  }
}

function describe(tok: Tok): string {
  switch (tok.kind) {
    case 'eof':
      return 'end of template';
    case 'close':
      return '}}';
    case 'string':
      return `string ${JSON.stringify(tok.value)}`;
    default:
      return JSON.stringify(tok.value);
  }
}

function describeOperand(op: Operand): string {
  switch (op.type) {
    case 'field':
      return op.chain.length === 0 ? '.' : `.${op.chain.join('.')}`;
    case 'variable':
      return [op.name, ...op.chain].join('.');
    case 'literal':
      return JSON.stringify(op.value);
    default:
      return '(…)';
  }
}
