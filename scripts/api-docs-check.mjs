#!/usr/bin/env node
// Every public symbol documented: for each library package (packages/*) and each entry of its
// `exports` map (read with the `md4-source` condition, which names the entry's source file), every
// exported symbol (re-exports followed to the declaration) must carry a non-empty JSDoc comment
// (`/** ... */`). Exported interfaces and object types also need one on each property and method
// (what editor hovers show), exported classes on each public member; unions (tagged unions) only on
// the type itself. A member without its own comment passes when TypeScript's hover shows one it
// inherits from the interface or base class it implements. Also fails where a package name in a doc
// follows a space (`see @md4/core's ...`): JSDoc reads it as a tag `@md4`, and the hover loses the
// text from there on (write `@md4/core` in backticks). Prints
// `api docs: N entries, M symbols, all documented`, or lists `package entry symbol (file:line)` for
// each problem and exits 1. Usage: node scripts/api-docs-check.mjs
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ts = createRequire(join(root, 'package.json'))('typescript');

/** The `md4-source` file of one exports-map entry (a string, or nested condition objects). */
function sourceOf(target) {
  if (typeof target === 'string') return undefined;
  if (target === null || typeof target !== 'object') return undefined;
  if (typeof target['md4-source'] === 'string') return target['md4-source'];
  for (const value of Object.values(target)) {
    const found = sourceOf(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

const entries = [];
const problems = [];
const packagesDir = join(root, 'packages');
for (const dir of readdirSync(packagesDir, { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  const manifestPath = join(packagesDir, dir.name, 'package.json');
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    continue;
  }
  const exportsMap =
    typeof manifest.exports === 'object' && manifest.exports !== null && !('md4-source' in manifest.exports)
      ? manifest.exports
      : { '.': manifest.exports };
  for (const [subpath, target] of Object.entries(exportsMap)) {
    if (subpath === './package.json') continue;
    const source = sourceOf(target);
    if (source === undefined) {
      problems.push(`${manifest.name} ${subpath} (${relative(root, manifestPath)}): no md4-source condition`);
      continue;
    }
    entries.push({ pkg: manifest.name, subpath, file: resolve(packagesDir, dir.name, source) });
  }
}

const configPath = join(root, 'tsconfig.base.json');
const config = ts.readConfigFile(configPath, ts.sys.readFile);
if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, root, configPath);
const program = ts.createProgram({
  rootNames: entries.map((e) => e.file),
  options: { ...options, noEmit: true, skipLibCheck: true },
});
const checker = program.getTypeChecker();

/** Whether a declaration is the project's own source (not node_modules, not a lib .d.ts). */
function isOwn(declaration) {
  const file = declaration.getSourceFile().fileName;
  return !file.includes('/node_modules/') && !file.endsWith('.d.ts');
}

/** `path:line` of a declaration's name, relative to the repository root. */
function where(declaration) {
  const sourceFile = declaration.getSourceFile();
  const node = declaration.name ?? declaration;
  const { line } = sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile));
  return `${relative(root, sourceFile.fileName)}:${line + 1}`;
}

/** Whether the symbol's hover shows documentation text (own JSDoc, or inherited for members). */
function documented(symbol) {
  return ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim().length > 0;
}

/**
 * The tag a package name was read as (`@md4` of `see @md4/core's ...`, which cuts the rest of the
 * doc out of the hover text), or undefined.
 */
function packageNameTag(symbol) {
  const tag = symbol.getJsDocTags(checker).find((t) => ts.displayPartsToString(t.text ?? []).startsWith('/'));
  return tag?.name;
}

const memberKinds = new Set([
  ts.SyntaxKind.PropertySignature,
  ts.SyntaxKind.MethodSignature,
  ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.Parameter, // a constructor's parameter property
]);

function isPublicMember(declaration) {
  if (declaration.name && ts.isPrivateIdentifier(declaration.name)) return false;
  const flags = ts.getCombinedModifierFlags(declaration);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) === 0;
}

/** The project-declared members of a type that need their own doc. */
function membersToCheck(properties) {
  const out = [];
  for (const property of properties) {
    const own = (property.declarations ?? []).filter((d) => memberKinds.has(d.kind) && isOwn(d));
    if (own.length === 0 || !own.every(isPublicMember)) continue;
    if (property.name === 'prototype') continue;
    out.push({ property, declaration: own[0] });
  }
  return out;
}

/** Members of an exported type alias, when it names an object type or an intersection of them. */
function aliasMembers(declaration) {
  const type = checker.getTypeFromTypeNode(declaration.type);
  const isPlainObject = (t) =>
    (t.flags & ts.TypeFlags.Object) !== 0 && !checker.isArrayType(t) && !checker.isTupleType(t);
  const objectLike =
    isPlainObject(type) ||
    ((type.flags & ts.TypeFlags.Intersection) !== 0 && type.types.every(isPlainObject));
  return objectLike ? membersToCheck(checker.getPropertiesOfType(type)) : [];
}

let symbolCount = 0;
let memberCount = 0;
for (const entry of entries) {
  const label = `${entry.pkg} ${entry.subpath}`;
  const sourceFile = program.getSourceFile(entry.file);
  if (sourceFile === undefined) {
    problems.push(`${label} (${relative(root, entry.file)}): entry file not found`);
    continue;
  }
  const moduleSymbol = checker.getSymbolAtLocation(sourceFile);
  if (moduleSymbol === undefined) continue; // a file with no exports
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    symbolCount++;
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declarations = symbol.declarations ?? [];
    const name = exported.name;
    if (declarations.length === 0) {
      const at = exported.declarations?.[0];
      problems.push(`${label} ${name} (${at ? where(at) : relative(root, entry.file)}): unresolved export`);
      continue;
    }
    if (!documented(symbol)) problems.push(`${label} ${name} (${where(declarations[0])})`);
    const misread = packageNameTag(symbol);
    if (misread !== undefined) {
      problems.push(
        `${label} ${name} (${where(declarations[0])}): @${misread}/... after a space is read as a JSDoc tag (write it in backticks)`,
      );
    }

    // Members (inherited ones included) of an interface, an object type alias or a class.
    const own = declarations.filter(isOwn);
    const declaredMembers = () =>
      membersToCheck(checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)));
    let members = [];
    const alias = own.find(ts.isTypeAliasDeclaration);
    if (own.some(ts.isClassDeclaration)) {
      const statics = membersToCheck(checker.getPropertiesOfType(checker.getTypeOfSymbol(symbol)));
      members = [...declaredMembers(), ...statics.map((m) => ({ ...m, isStatic: true }))];
    } else if (own.some(ts.isInterfaceDeclaration)) {
      members = declaredMembers();
    } else if (alias !== undefined) {
      members = aliasMembers(alias);
    }
    for (const { property, declaration, isStatic } of members) {
      memberCount++;
      const member = `${label} ${name}${isStatic ? '.' : '#'}${property.name} (${where(declaration)})`;
      if (!documented(property)) problems.push(member);
      const misreadTag = packageNameTag(property);
      if (misreadTag !== undefined)
        problems.push(
          `${member}: @${misreadTag}/... after a space is read as a JSDoc tag (write it in backticks)`,
        );
    }
  }
}

if (problems.length > 0) {
  console.error(
    `api docs: ${entries.length} entries, ${symbolCount} symbols, ${memberCount} members; ${problems.length} problems (package entry symbol (file:line)):`,
  );
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`api docs: ${entries.length} entries, ${symbolCount} symbols, all documented`);
