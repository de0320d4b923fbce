/**
 * Finds module-level state in a JavaScript or TypeScript module: what a module shared by every workflow of a
 * worker (worker/create-worker.ts `sharedWorkflowModules`) must not have, since one workflow could change
 * what another one sees. Looks at the module's top level only:
 * - `let` / `var` bindings that something reassigns (a counter, a flag); one never reassigned (as compilers
 *   emit `var x_1 = require(…)`) is checked like a `const`;
 * - objects made with `new` (a Map used as a cache, a scratch buffer), except collections and plain objects
 *   that nothing in the module changes and that it does not export;
 * - object and array literals that the module changes (assigns into, deletes from, pushes to, …);
 * - regular expressions with the g or y flag (they keep `lastIndex` between calls);
 * - static class fields that are not readonly (unless they hold a function or name another binding, and
 *   nothing reassigns them), and
 *   functions called in place (`(() => …)()`), whose closures may hold anything.
 */
import { readFileSync } from 'node:fs';
import ts from 'typescript';

export interface ModuleStateFinding {
  file: string;
  /** The binding (or `Class.field`) that holds the state. */
  name: string;
  line: number;
  kind: 'let-or-var' | 'instance' | 'changed-literal' | 'stateful-regexp' | 'static-field' | 'called-in-place';
}

const COLLECTIONS = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'Array', 'Object']);
const CHANGING_METHODS = new Set(['push', 'pop', 'shift', 'unshift', 'splice', 'sort', 'reverse', 'fill', 'copyWithin', 'set', 'add', 'delete', 'clear']);
const CHANGING_OBJECT_FUNCTIONS = new Set(['assign', 'defineProperty', 'defineProperties', 'setPrototypeOf']);

function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  while (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current) || ts.isNonNullExpression(current) || ts.isTypeAssertionExpression(current)) {
    current = current.expression;
  }
  return current;
}

/** The identifier at the root of `a.b[c].d`, if the expression is such a chain. */
function rootOf(node: ts.Expression): string | undefined {
  const current = unwrap(node);
  if (ts.isIdentifier(current)) return current.text;
  if (ts.isPropertyAccessExpression(current) || ts.isElementAccessExpression(current)) return rootOf(current.expression);
  return undefined;
}

/** Names whose value the module changes in place anywhere in its text. */
function changedNames(source: ts.SourceFile): Set<string> {
  const changed = new Set<string>();
  const intoChain = (target: ts.Expression): void => {
    const t = unwrap(target);
    if (ts.isPropertyAccessExpression(t) || ts.isElementAccessExpression(t)) {
      const root = rootOf(t);
      if (root) changed.add(root);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) intoChain(node.left);
    else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) intoChain(node.operand);
    else if (ts.isDeleteExpression(node)) intoChain(node.expression);
    else if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      if (ts.isPropertyAccessExpression(callee) && CHANGING_METHODS.has(callee.name.text)) {
        const root = rootOf(callee.expression);
        if (root) changed.add(root);
      }
      if (ts.isPropertyAccessExpression(callee) && ['Object', 'Reflect'].includes(callee.expression.getText(source)) && CHANGING_OBJECT_FUNCTIONS.has(callee.name.text) && node.arguments[0]) {
        const root = rootOf(node.arguments[0]);
        if (root) changed.add(root);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return changed;
}

/** Names the module binds anew anywhere in its text (`x = …`, `x++`, `[x] = …`, `for (x of …)`). */
function reassignedNames(source: ts.SourceFile): Set<string> {
  const reassigned = new Set<string>();
  const target = (node: ts.Expression): void => {
    const t = unwrap(node);
    if (ts.isIdentifier(t)) reassigned.add(t.text);
    else if (ts.isArrayLiteralExpression(t)) t.elements.forEach((e) => target(ts.isSpreadElement(e) ? e.expression : e));
    else if (ts.isObjectLiteralExpression(t)) {
      for (const p of t.properties) {
        if (ts.isShorthandPropertyAssignment(p)) reassigned.add(p.name.text);
        else if (ts.isPropertyAssignment(p)) target(p.initializer);
        else if (ts.isSpreadAssignment(p)) target(p.expression);
      }
    } else if (ts.isBinaryExpression(t) && t.operatorToken.kind === ts.SyntaxKind.EqualsToken) target(t.left);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isBinaryExpression(node) && node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && node.operatorToken.kind <= ts.SyntaxKind.LastAssignment) target(node.left);
    else if ((ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) && (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)) target(node.operand);
    else if ((ts.isForOfStatement(node) || ts.isForInStatement(node)) && !ts.isVariableDeclarationList(node.initializer)) target(node.initializer);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reassigned;
}

const isExported = (node: ts.Node): boolean => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Module-level state in one module's source (TypeScript or JavaScript). */
export function findModuleState(file: string, text = readFileSync(file, 'utf8')): ModuleStateFinding[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, /\.[cm]?js$/.test(file) ? ts.ScriptKind.JS : ts.ScriptKind.TS);
  const changed = changedNames(source);
  const reassigned = reassignedNames(source);
  const exportedNames = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause) && !statement.moduleSpecifier) {
      for (const element of statement.exportClause.elements) exportedNames.add((element.propertyName ?? element.name).text);
    }
  }
  const findings: ModuleStateFinding[] = [];
  const found = (node: ts.Node, name: string, kind: ModuleStateFinding['kind']): void => {
    findings.push({ file, name, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, kind });
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) {
      const declaredConst = (statement.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const declaration of statement.declarationList.declarations) {
        const names = ts.isIdentifier(declaration.name) ? [declaration.name.text] : declaration.name.elements.flatMap((e) => (ts.isBindingElement(e) && ts.isIdentifier(e.name) ? [e.name.text] : []));
        if (!declaredConst && (!ts.isIdentifier(declaration.name) || names.some((n) => reassigned.has(n)))) {
          for (const name of names) found(declaration, name, 'let-or-var');
          continue;
        }
        const name = names[0];
        if (!name || !declaration.initializer || !ts.isIdentifier(declaration.name)) continue;
        const value = unwrap(declaration.initializer);
        const exported = isExported(statement) || exportedNames.has(name);
        if (ts.isNewExpression(value)) {
          const made = unwrap(value.expression).getText(source);
          const flags = value.arguments?.[1];
          if (made === 'RegExp') {
            if (flags && (!ts.isStringLiteral(flags) || /[gy]/.test(flags.text))) found(declaration, name, 'stateful-regexp');
          } else if (!COLLECTIONS.has(made) || changed.has(name) || exported) found(declaration, name, 'instance');
        } else if ((ts.isObjectLiteralExpression(value) || ts.isArrayLiteralExpression(value)) && changed.has(name)) {
          found(declaration, name, 'changed-literal');
        } else if (ts.isRegularExpressionLiteral(value) && /\/[a-z]*[gy][a-z]*$/.test(value.text)) {
          found(declaration, name, 'stateful-regexp');
        } else if (ts.isCallExpression(value) && (ts.isFunctionExpression(unwrap(value.expression)) || ts.isArrowFunction(unwrap(value.expression)))) {
          found(declaration, name, 'called-in-place');
        }
      }
    } else if (ts.isClassDeclaration(statement)) {
      const className = statement.name?.text ?? 'class';
      for (const member of statement.members) {
        const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
        const isStatic = modifiers.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
        const readonly = modifiers.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword);
        if (!ts.isPropertyDeclaration(member) || !isStatic || readonly) continue;
        // A static field holding a function is a method written as a field, unless something reassigns it.
        const initial = member.initializer && unwrap(member.initializer);
        const functionLike = initial && (ts.isFunctionExpression(initial) || ts.isArrowFunction(initial) || ts.isIdentifier(initial));
        if (!functionLike || changed.has(className)) found(member, `${className}.${member.name.getText(source)}`, 'static-field');
      }
    } else if (ts.isExpressionStatement(statement)) {
      const value = unwrap(statement.expression);
      if (ts.isCallExpression(value) && (ts.isFunctionExpression(unwrap(value.expression)) || ts.isArrowFunction(unwrap(value.expression)))) found(statement, '(top-level call)', 'called-in-place');
    }
  }
  return findings;
}
