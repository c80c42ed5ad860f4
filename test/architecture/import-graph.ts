import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** One import of a source file: what it wrote, and where that points (`src/`-relative), if inside `src/`. */
export interface ImportEdge {
  specifier: string;
  /** The imported path relative to `src/` (`app/topology.js`), or undefined for packages and paths outside `src/`. */
  target: string | undefined;
  /**
   * Every import of this specifier in the file is erased at compile time (`import type`,
   * `export type`, only `type` names, `import('…').T` in a type): no code of it runs.
   */
  typeOnly: boolean;
}

/** Source files by `src/`-relative path (`app/agent.ts`), each with its imports. */
export type ImportGraph = ReadonlyMap<string, readonly ImportEdge[]>;

const sourceFile = /\.(?:ts|js|mjs)$/;

/**
 * The module specifiers of a file: static `import … from`, `export … from`, side-effect
 * `import '…'` and `import('…')` with a literal, read by the TypeScript scanner, so imports in
 * comments and strings do not count.
 */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/**
 * The specifiers `text` imports as values: import and export declarations that are not wholly
 * type-only (side-effect imports included) and `import('…')` calls. What is left of
 * {@link importSpecifiers} is imported for types only.
 */
export function valueSpecifiers(text: string): Set<string> {
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const values = new Set<string>();
  const literal = (node: ts.Expression | undefined) =>
    node !== undefined && ts.isStringLiteralLike(node) ? node.text : undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            bindings !== undefined &&
            ts.isNamedImports(bindings) &&
            bindings.elements.length > 0 &&
            bindings.elements.every((e) => e.isTypeOnly)));
      const from = literal(node.moduleSpecifier);
      if (!typeOnly && from !== undefined) values.add(from);
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const typeOnly =
        node.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((e) => e.isTypeOnly));
      const from = literal(node.moduleSpecifier);
      if (!typeOnly && from !== undefined) values.add(from);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const from = literal(node.arguments[0]);
      if (from !== undefined) values.add(from);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return values;
}

/**
 * Where `specifier`, imported by `file` (both `src/`-relative), points inside `src/`;
 * undefined for a package or a path that leaves `src/` (test support in colocated tests).
 */
export function resolveInSrc(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = posix.normalize(posix.join(posix.dirname(file), specifier));
  return target.startsWith('../') ? undefined : target;
}

/** Builds the graph from file texts keyed by `src/`-relative path. */
export function graphOf(files: ReadonlyMap<string, string>): ImportGraph {
  const graph = new Map<string, ImportEdge[]>();
  for (const [file, text] of files) {
    const values = valueSpecifiers(text);
    graph.set(
      file,
      importSpecifiers(text).map((specifier) => ({
        specifier,
        target: resolveInSrc(file, specifier),
        typeOnly: !values.has(specifier),
      })),
    );
  }
  return graph;
}

/** Reads every TypeScript and JavaScript file under `srcDir` (generated code included). */
export function readSourceTree(srcDir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (sourceFile.test(entry.name)) {
        files.set(relative(srcDir, path).split(sep).join('/'), readFileSync(path, 'utf8'));
      }
    }
  };
  walk(srcDir);
  return files;
}
