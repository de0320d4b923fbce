/**
 * The small, safe condition language of gateways: `rating == 'unsatisfied' && reopens < settings.reopenLimit`.
 * Literals (numbers, 'strings', true, false, null, [lists]), dotted names, comparisons, `in`,
 * `&&`/`and`, `||`/`or`, `!`/`not` and parentheses. No calls, no assignment: evaluation cannot
 * have side effects, so it is deterministic in workflow code. A `${…}` wrapper (as modelers write it) is accepted.
 */

export type Value = string | number | boolean | null | Value[];

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'name'; path: string[] }
  | { kind: 'list'; items: Node[] }
  | { kind: 'not'; operand: Node }
  | { kind: 'binary'; op: '&&' | '||' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in'; left: Node; right: Node };

export class ExpressionError extends Error {
  constructor(message: string, readonly source: string) {
    super(`${message} in expression "${source}"`);
    this.name = 'ExpressionError';
  }
}

type Token = { type: 'num'; value: number } | { type: 'str'; value: string } | { type: 'id'; value: string } | { type: 'op'; value: string };

const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', ',', '.'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ type: 'num', value: Number(match[0]) });
      i += match[0].length;
    } else if (c === "'" || c === '"') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError('Unterminated string', source);
      tokens.push({ type: 'str', value: source.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ type: 'id', value: match[0] });
      i += match[0].length;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (op === undefined) throw new ExpressionError(`Unexpected character "${c}"`, source);
      tokens.push({ type: 'op', value: op });
      i += op.length;
    }
  }
  return tokens;
}

const WORD_OPERATORS: Record<string, string> = { and: '&&', or: '||', not: '!', in: 'in' };

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw new ExpressionError(`Unexpected "${this.describe(this.tokens[this.pos]!)}"`, this.source);
    return node;
  }

  private describe(token: Token): string {
    return String(token.value);
  }

  private peekOp(): string | undefined {
    const token = this.tokens[this.pos];
    if (token?.type === 'op') return token.value;
    if (token?.type === 'id') return WORD_OPERATORS[token.value];
    return undefined;
  }

  private expectOp(op: string): void {
    if (this.peekOp() !== op) throw new ExpressionError(`Expected "${op}"`, this.source);
    this.pos += 1;
  }

  private or(): Node {
    let left = this.and();
    while (this.peekOp() === '||') {
      this.pos += 1;
      left = { kind: 'binary', op: '||', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.not();
    while (this.peekOp() === '&&') {
      this.pos += 1;
      left = { kind: 'binary', op: '&&', left, right: this.not() };
    }
    return left;
  }

  private not(): Node {
    if (this.peekOp() === '!') {
      this.pos += 1;
      return { kind: 'not', operand: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Node {
    const left = this.primary();
    const op = this.peekOp();
    if (op === '==' || op === '!=' || op === '<' || op === '<=' || op === '>' || op === '>=' || op === 'in') {
      this.pos += 1;
      return { kind: 'binary', op, left, right: this.primary() };
    }
    return left;
  }

  private primary(): Node {
    const token = this.tokens[this.pos];
    if (token === undefined) throw new ExpressionError('Unexpected end', this.source);
    this.pos += 1;
    if (token.type === 'num' || token.type === 'str') return { kind: 'literal', value: token.value };
    if (token.type === 'id') {
      if (token.value === 'true') return { kind: 'literal', value: true };
      if (token.value === 'false') return { kind: 'literal', value: false };
      if (token.value === 'null') return { kind: 'literal', value: null };
      if (token.value in WORD_OPERATORS) throw new ExpressionError(`Unexpected "${token.value}"`, this.source);
      const path = [token.value];
      while (this.tokens[this.pos]?.type === 'op' && this.tokens[this.pos]?.value === '.') {
        this.pos += 1;
        const next = this.tokens[this.pos];
        if (next?.type !== 'id') throw new ExpressionError('Expected a name after "."', this.source);
        path.push(next.value);
        this.pos += 1;
      }
      return { kind: 'name', path };
    }
    if (token.value === '(') {
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    if (token.value === '[') {
      const items: Node[] = [];
      while (this.peekOp() !== ']') {
        items.push(this.primary());
        if (this.peekOp() === ',') this.pos += 1;
        else break;
      }
      this.expectOp(']');
      return { kind: 'list', items };
    }
    throw new ExpressionError(`Unexpected "${token.value}"`, this.source);
  }
}

/** A parsed condition, ready to evaluate many times. */
export interface Expression {
  source: string;
  evaluate(context: Record<string, unknown>): boolean;
  /** The top-level names it reads (for validation against known variables). */
  names: string[][];
}

function unwrap(source: string): string {
  const trimmed = source.trim();
  const match = /^\$\{([\s\S]*)\}$/.exec(trimmed);
  return match ? match[1]! : trimmed;
}

function lookup(context: unknown, path: string[]): Value {
  let current: unknown = context;
  for (const part of path) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, part)) return null;
    current = (current as Record<string, unknown>)[part];
  }
  if (current === undefined) return null;
  if (typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean' || current === null) return current;
  if (Array.isArray(current)) return current as Value[];
  return null;
}

function evaluateNode(node: Node, context: Record<string, unknown>): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'name':
      return lookup(context, node.path);
    case 'list':
      return node.items.map((item) => evaluateNode(item, context));
    case 'not':
      return !truthy(evaluateNode(node.operand, context));
    case 'binary': {
      if (node.op === '&&') return truthy(evaluateNode(node.left, context)) && truthy(evaluateNode(node.right, context));
      if (node.op === '||') return truthy(evaluateNode(node.left, context)) || truthy(evaluateNode(node.right, context));
      const left = evaluateNode(node.left, context);
      const right = evaluateNode(node.right, context);
      switch (node.op) {
        case '==':
          return left === right;
        case '!=':
          return left !== right;
        case 'in':
          return Array.isArray(right) && right.includes(left);
        default: {
          if (typeof left !== 'number' || typeof right !== 'number') return false;
          if (node.op === '<') return left < right;
          if (node.op === '<=') return left <= right;
          if (node.op === '>') return left > right;
          return left >= right;
        }
      }
    }
  }
}

function truthy(value: Value): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}

function collectNames(node: Node, out: string[][]): void {
  if (node.kind === 'name') out.push(node.path);
  else if (node.kind === 'list') node.items.forEach((i) => collectNames(i, out));
  else if (node.kind === 'not') collectNames(node.operand, out);
  else if (node.kind === 'binary') {
    collectNames(node.left, out);
    collectNames(node.right, out);
  }
}

/** Parses a condition; throws {@link ExpressionError} with the reason when it is not valid. */
export function parseExpression(source: string): Expression {
  const text = unwrap(source);
  if (text === '') throw new ExpressionError('Empty condition', source);
  const ast = new Parser(tokenize(text), text).parse();
  const names: string[][] = [];
  collectNames(ast, names);
  return { source, names, evaluate: (context) => truthy(evaluateNode(ast, context)) };
}
