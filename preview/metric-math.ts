/**
 * The subset of CloudWatch metric math the dashboards use, evaluated the way CloudWatch does
 * (CloudWatch User Guide, "Metric math syntax and functions"):
 * - arithmetic (+ - * / ^) and comparisons (< <= > >= == !=, AND/&&, OR/||) act per data point;
 *   between two time series only timestamps present in both yield a point; division by zero yields none;
 * - FILL(x, value | REPEAT) gives every period of the range a value;
 * - SUM / AVG / MIN / MAX of an array of series (SEARCH, METRICS(), `[a, b]`) is one series, point by
 *   point; of a single series it is a scalar over all its points;
 * - IF(condition, then[, else]) per point of the condition; ABS, CEIL, FLOOR per point;
 * - SEARCH and METRICS come from the caller (the data source knows which metrics exist).
 * Anything else throws `UnsupportedExpression`, so a tile says "not evaluated locally" rather than
 * showing a wrong number.
 */

/** Values by period start (epoch ms). */
export interface Series {
  label?: string;
  points: Map<number, number>;
}

export type MathValue =
  | { kind: "scalar"; value: number }
  | { kind: "series"; series: Series }
  | { kind: "array"; series: Series[] };

export class UnsupportedExpression extends Error {
  override name = "UnsupportedExpression";
}

export interface MathContext {
  /** Period starts of the range, for FILL. */
  grid: number[];
  /** The value of another entry of the widget, by id. */
  lookup(id: string): MathValue;
  /** Every metric of the widget, for `METRICS()`. */
  metrics(): Series[];
  search(query: string, stat: string, period?: number): Series[];
}

type Token =
  | { t: "num"; v: number }
  | { t: "id"; v: string }
  | { t: "str"; v: string }
  | { t: "op"; v: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9.]/.test(c)) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(source.slice(i))!;
      tokens.push({ t: "num", v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))!;
      tokens.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new UnsupportedExpression(`unterminated string in "${source}"`);
      tokens.push({ t: "str", v: source.slice(i + 1, end) });
      i = end + 1;
    } else {
      const two = source.slice(i, i + 2);
      if (["<=", ">=", "==", "!=", "&&", "||"].includes(two)) {
        tokens.push({ t: "op", v: two });
        i += 2;
      } else if ("+-*/^(),[]<>".includes(c)) {
        tokens.push({ t: "op", v: c });
        i++;
      } else throw new UnsupportedExpression(`unexpected "${c}" in "${source}"`);
    }
  }
  return tokens;
}

type Node =
  | { n: "num"; v: number }
  | { n: "str"; v: string }
  | { n: "ref"; id: string }
  | { n: "call"; name: string; args: Node[] }
  | { n: "list"; items: Node[] }
  | { n: "unary"; op: string; arg: Node }
  | { n: "binary"; op: string; left: Node; right: Node };

function parse(source: string): Node {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (v: string) => peek()?.t === "op" && peek()!.v === v;
  const isWord = (v: string) => {
    const tok = peek();
    return tok?.t === "id" && tok.v.toUpperCase() === v;
  };
  const expect = (v: string) => {
    if (!isOp(v)) throw new UnsupportedExpression(`expected "${v}" in "${source}"`);
    pos++;
  };
  const level = (ops: string[], words: string[], next: () => Node) => (): Node => {
    let left = next();
    for (;;) {
      const tok = peek();
      const op = tok?.t === "op" && ops.includes(tok.v) ? tok.v : words.find((w) => isWord(w));
      if (op === undefined) return left;
      pos++;
      left = { n: "binary", op: op === "AND" ? "&&" : op === "OR" ? "||" : op, left, right: next() };
    }
  };
  const primary = (): Node => {
    const tok = tokens[pos++];
    if (!tok) throw new UnsupportedExpression(`"${source}" ends early`);
    if (tok.t === "num") return { n: "num", v: tok.v };
    if (tok.t === "str") return { n: "str", v: tok.v };
    if (tok.t === "op" && tok.v === "(") {
      const inner = or();
      expect(")");
      return inner;
    }
    if (tok.t === "op" && tok.v === "[") {
      const items: Node[] = [];
      while (!isOp("]")) {
        items.push(or());
        if (!isOp("]")) expect(",");
      }
      pos++;
      return { n: "list", items };
    }
    if (tok.t === "id" && isOp("(")) {
      pos++;
      const args: Node[] = [];
      while (!isOp(")")) {
        args.push(or());
        if (!isOp(")")) expect(",");
      }
      pos++;
      return { n: "call", name: tok.v.toUpperCase(), args };
    }
    if (tok.t === "id") return { n: "ref", id: tok.v };
    throw new UnsupportedExpression(`unexpected "${tok.v}" in "${source}"`);
  };
  const power = (): Node => {
    const base = primary();
    if (isOp("^")) {
      pos++;
      return { n: "binary", op: "^", left: base, right: unary() };
    }
    return base;
  };
  const unary = (): Node => (isOp("-") ? (pos++, { n: "unary", op: "-", arg: unary() }) : power());
  const mul = level(["*", "/"], [], unary);
  const add = level(["+", "-"], [], mul);
  const cmp = level(["<", "<=", ">", ">=", "==", "!="], [], add);
  const and = level(["&&"], ["AND"], cmp);
  const or = level(["||"], ["OR"], and);
  const tree = or();
  if (pos !== tokens.length)
    throw new UnsupportedExpression(`unexpected text after position ${pos} in "${source}"`);
  return tree;
}

const scalar = (value: number): MathValue => ({ kind: "scalar", value });
const series = (points: Map<number, number>, label?: string): MathValue => ({
  kind: "series",
  series: { ...(label !== undefined ? { label } : {}), points },
});

function mapPoints(s: Series, f: (v: number) => number | undefined): Series {
  const points = new Map<number, number>();
  for (const [t, v] of s.points) {
    const r = f(v);
    if (r !== undefined && Number.isFinite(r)) points.set(t, r);
  }
  return { ...(s.label !== undefined ? { label: s.label } : {}), points };
}

function apply(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return b === 0 ? undefined : a / b;
    case "^":
      return a ** b;
    case "<":
      return a < b ? 1 : 0;
    case "<=":
      return a <= b ? 1 : 0;
    case ">":
      return a > b ? 1 : 0;
    case ">=":
      return a >= b ? 1 : 0;
    case "==":
      return a === b ? 1 : 0;
    case "!=":
      return a !== b ? 1 : 0;
    case "&&":
      return a !== 0 && b !== 0 ? 1 : 0;
    case "||":
      return a !== 0 || b !== 0 ? 1 : 0;
    default:
      throw new UnsupportedExpression(`operator ${op} is not evaluated locally`);
  }
}

function binary(op: string, left: MathValue, right: MathValue): MathValue {
  if (left.kind === "scalar" && right.kind === "scalar") {
    const r = apply(op, left.value, right.value);
    return r === undefined ? series(new Map()) : scalar(r);
  }
  if (left.kind === "array" || right.kind === "array") {
    if (left.kind === "array" && right.kind === "array")
      throw new UnsupportedExpression("arithmetic between two arrays of series is not evaluated locally");
    const [arr, other, arrayLeft] =
      left.kind === "array"
        ? [left, right, true]
        : [right as Extract<MathValue, { kind: "array" }>, left, false];
    return {
      kind: "array",
      series: arr.series.map((s) =>
        asSeries(
          arrayLeft
            ? binary(op, { kind: "series", series: s }, other)
            : binary(op, other, { kind: "series", series: s }),
        ),
      ),
    };
  }
  if (left.kind === "series" && right.kind === "scalar")
    return { kind: "series", series: mapPoints(left.series, (v) => apply(op, v, right.value)) };
  if (left.kind === "scalar" && right.kind === "series")
    return { kind: "series", series: mapPoints(right.series, (v) => apply(op, left.value, v)) };
  const a = (left as Extract<MathValue, { kind: "series" }>).series;
  const b = (right as Extract<MathValue, { kind: "series" }>).series;
  const points = new Map<number, number>();
  for (const [t, v] of a.points) {
    const w = b.points.get(t);
    if (w === undefined) continue;
    const r = apply(op, v, w);
    if (r !== undefined && Number.isFinite(r)) points.set(t, r);
  }
  return series(points);
}

function asSeries(v: MathValue): Series {
  if (v.kind === "series") return v.series;
  throw new UnsupportedExpression(
    `expected one time series, got ${v.kind === "array" ? "an array of series" : "a number"}`,
  );
}

function asArray(v: MathValue): Series[] {
  if (v.kind === "array") return v.series;
  if (v.kind === "series") return [v.series];
  throw new UnsupportedExpression("expected time series, got a number");
}

const REDUCERS: Record<string, (values: number[]) => number> = {
  SUM: (v) => v.reduce((a, b) => a + b, 0),
  AVG: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  MIN: (v) => Math.min(...v),
  MAX: (v) => Math.max(...v),
};

function reduce(name: string, arg: MathValue): MathValue {
  const f = REDUCERS[name]!;
  if (arg.kind === "scalar") return arg;
  if (arg.kind === "series") {
    const values = [...arg.series.points.values()];
    return values.length === 0 ? series(new Map()) : scalar(f(values));
  }
  const byTime = new Map<number, number[]>();
  for (const s of arg.series) for (const [t, v] of s.points) byTime.set(t, [...(byTime.get(t) ?? []), v]);
  const points = new Map<number, number>();
  for (const [t, values] of [...byTime.entries()].sort((x, y) => x[0] - y[0])) points.set(t, f(values));
  return series(points);
}

function fill(target: MathValue, how: Node, ctx: MathContext, evaluate: (n: Node) => MathValue): MathValue {
  if (target.kind === "scalar") return target;
  if (target.kind === "array")
    return {
      kind: "array",
      series: target.series.map((s) => asSeries(fill({ kind: "series", series: s }, how, ctx, evaluate))),
    };
  const repeat = how.n === "ref" && how.id.toUpperCase() === "REPEAT";
  if (how.n === "ref" && !repeat)
    throw new UnsupportedExpression(`FILL(…, ${how.id}) is not evaluated locally`);
  const value = repeat ? undefined : evaluate(how);
  if (value !== undefined && value.kind !== "scalar")
    throw new UnsupportedExpression("FILL with a time series as the value is not evaluated locally");
  const points = new Map<number, number>();
  let last: number | undefined;
  for (const t of ctx.grid) {
    const v = target.series.points.get(t);
    if (v !== undefined) last = v;
    const filled = v ?? (repeat ? last : (value as { value: number }).value);
    if (filled !== undefined) points.set(t, filled);
  }
  return series(points, target.series.label);
}

function conditional(args: MathValue[]): MathValue {
  const [cond, then, otherwise] = args;
  if (!cond || !then) throw new UnsupportedExpression("IF needs a condition and a value");
  const at = (v: MathValue | undefined, t: number): number | undefined =>
    v === undefined
      ? undefined
      : v.kind === "scalar"
        ? v.value
        : v.kind === "series"
          ? v.series.points.get(t)
          : undefined;
  if (cond.kind === "array" || then.kind === "array" || otherwise?.kind === "array")
    throw new UnsupportedExpression("IF over arrays of series is not evaluated locally");
  if (cond.kind === "scalar") return cond.value !== 0 ? then : (otherwise ?? series(new Map()));
  const points = new Map<number, number>();
  for (const [t, c] of cond.series.points) {
    const v = c !== 0 ? at(then, t) : at(otherwise, t);
    if (v !== undefined) points.set(t, v);
  }
  return series(points);
}

/** Evaluates one expression of a widget. */
export function evaluateExpression(expression: string, ctx: MathContext): MathValue {
  const evaluate = (node: Node): MathValue => {
    switch (node.n) {
      case "num":
        return scalar(node.v);
      case "str":
        throw new UnsupportedExpression(`a string ("${node.v}") is only an argument of SEARCH or METRICS`);
      case "ref":
        return ctx.lookup(node.id);
      case "list":
        return { kind: "array", series: node.items.flatMap((item) => asArray(evaluate(item))) };
      case "unary":
        return binary("*", scalar(-1), evaluate(node.arg));
      case "binary":
        return binary(node.op, evaluate(node.left), evaluate(node.right));
      case "call":
        return call(node);
    }
  };
  const call = (node: Extract<Node, { n: "call" }>): MathValue => {
    const { name, args } = node;
    if (name in REDUCERS) {
      if (args.length !== 1) throw new UnsupportedExpression(`${name} takes one argument`);
      return reduce(name, evaluate(args[0]!));
    }
    switch (name) {
      case "FILL":
        if (args.length !== 2) throw new UnsupportedExpression("FILL takes a series and a value");
        return fill(evaluate(args[0]!), args[1]!, ctx, evaluate);
      case "IF":
        return conditional(args.map(evaluate));
      case "ABS":
        return unaryMath(evaluate(args[0]!), Math.abs);
      case "CEIL":
        return unaryMath(evaluate(args[0]!), Math.ceil);
      case "FLOOR":
        return unaryMath(evaluate(args[0]!), Math.floor);
      case "METRICS": {
        const filter = args[0]?.n === "str" ? args[0].v : undefined;
        return {
          kind: "array",
          series: ctx.metrics().filter((s) => filter === undefined || (s.label ?? "").includes(filter)),
        };
      }
      case "SEARCH": {
        const [query, stat, period] = args;
        if (query?.n !== "str" || stat?.n !== "str")
          throw new UnsupportedExpression("SEARCH takes a search string and a statistic");
        if (period !== undefined && period.n !== "num")
          throw new UnsupportedExpression("SEARCH's period must be a number");
        return {
          kind: "array",
          series: ctx.search(query.v, stat.v, period?.n === "num" ? period.v : undefined),
        };
      }
      default:
        throw new UnsupportedExpression(`${name}() is not evaluated locally`);
    }
  };
  return evaluate(parse(expression));
}

function unaryMath(v: MathValue, f: (x: number) => number): MathValue {
  if (v.kind === "scalar") return scalar(f(v.value));
  if (v.kind === "series") return { kind: "series", series: mapPoints(v.series, f) };
  return { kind: "array", series: v.series.map((s) => mapPoints(s, f)) };
}
