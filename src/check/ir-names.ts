import type { Expr, Instr, LoweredFunction } from './ir.js';
import { evaluated } from './path/ops.js';

/**
 * The names of functions a lowered function refers to, and the same function with some of them
 * renamed: what linking several files (linked.ts) needs of the lowered code. A parameter or local
 * variable of the same name hides a function, as in C, and is never one of them.
 */

/** Parameters and declared variables of `fn`: names that are not functions inside it. */
function variablesOf(fn: LoweredFunction): Set<string> {
  const out = new Set(fn.params);
  for (const i of fn.code) if (i.op === 'decl') out.add(i.name);
  return out;
}

function children(e: Expr): Expr[] {
  switch (e.k) {
    case 'call': return e.args;
    case 'field': return [e.base];
    case 'index': return [e.base, e.index];
    case 'addr': case 'deref': case 'unary': case 'update': return [e.e];
    case 'binary': case 'assign': return [e.l, e.r];
    case 'cond': return [e.c, e.t, e.f];
    case 'comma': return e.list;
    default: return [];
  }
}

/**
 * The names `fn` calls, in order of first call; with `values`, also the names it uses as values
 * (a callback handed on, a release stored), which may name functions too.
 * @example calledNames(lowered, false) // ['foo_alloc', 'dev_err']
 */
export function calledNames(fn: LoweredFunction, values: boolean): string[] {
  const vars = variablesOf(fn);
  const out = new Set<string>();
  const walk = (e: Expr): void => {
    if (e.k === 'call' && e.callee !== null && !vars.has(e.callee)) out.add(e.callee);
    if (values && e.k === 'id' && !vars.has(e.name)) out.add(e.name);
    for (const c of children(e)) walk(c);
  };
  for (const i of fn.code) for (const e of evaluated(i)) walk(e);
  return [...out];
}

/**
 * `fn` named `name`, with every call of and reference to a function in `renames` renamed (a
 * variable of the same name is left alone). The original is not changed.
 * @example renameIn(lowered, 'b.c:helper', new Map([['inner', 'b.c:inner']]))
 */
export function renameIn(fn: LoweredFunction, name: string, renames: ReadonlyMap<string, string>): LoweredFunction {
  const vars = variablesOf(fn);
  const to = (n: string): string => (vars.has(n) ? n : renames.get(n) ?? n);
  const expr = (e: Expr): Expr => {
    switch (e.k) {
      case 'id': return to(e.name) === e.name ? e : { ...e, name: to(e.name) };
      case 'call': return { ...e, callee: e.callee === null ? null : to(e.callee), args: e.args.map(expr) };
      case 'field': return { ...e, base: expr(e.base) };
      case 'index': return { ...e, base: expr(e.base), index: expr(e.index) };
      case 'addr': case 'deref': case 'unary': case 'update': return { ...e, e: expr(e.e) };
      case 'binary': case 'assign': return { ...e, l: expr(e.l), r: expr(e.r) };
      case 'cond': return { ...e, c: expr(e.c), t: expr(e.t), f: expr(e.f) };
      case 'comma': return { ...e, list: e.list.map(expr) };
      default: return e;
    }
  };
  const code = fn.code.map((i): Instr => {
    switch (i.op) {
      case 'eval': return { ...i, e: expr(i.e) };
      case 'decl': return { ...i, init: i.init ? expr(i.init) : null };
      case 'br': return { ...i, c: expr(i.c) };
      case 'switch': return { ...i, e: expr(i.e), cases: i.cases.map((c) => ({ ...c, value: expr(c.value) })) };
      case 'ret': return { ...i, e: i.e ? expr(i.e) : null };
      default: return i;
    }
  });
  return { ...fn, name, code };
}
