import type { Expr, Instr } from '../ir.js';
import { resolve, truth, UNK, int, type Obj, type Val } from '../values.js';

/** Pure helpers of the path interpreter: member paths, C arithmetic and comparison on what a path knows. */

/** The path of a member inside `base`, or null when `p` is not inside it (`under('adev.id', 'adev')` is `id`). */
export function under(p: string, base: string): string | null {
  if (base === '') return p;
  if (p === base) return '';
  if (p.startsWith(`${base}.`)) return p.slice(base.length + 1);
  return null;
}

export const isZero = (e: Expr) => (e.k === 'num' && e.value === 0) || (e.k === 'id' && e.name === 'NULL');

/** A variable or a member reached through variables only: re-reading it has no side effect. */
export function isPlace(e: Expr): boolean {
  if (e.k === 'id') return true;
  if (e.k === 'field') return isPlace(e.base);
  if (e.k === 'deref') return isPlace(e.e);
  return false;
}

export function intOr(v: Val, fallback: number): number {
  return v.t === 'int' ? v.v : fallback;
}

export function equal(a: Val, b: Val): boolean | undefined {
  const nullish = (v: Val) => v.t === 'null' || (v.t === 'int' && v.v === 0);
  if (a.t === 'unk' || b.t === 'unk') return undefined;
  if (a.t === 'int' && b.t === 'int') return a.v === b.v;
  if (nullish(a) || nullish(b)) return nullish(a) && nullish(b) ? true : truth(a) === false || truth(b) === false ? (truth(a) === undefined || truth(b) === undefined ? undefined : false) : undefined;
  if (a.t === 'ptr' && b.t === 'ptr') {
    const x = resolve(a);
    const y = resolve(b);
    return x.t === 'ptr' && y.t === 'ptr' && x.o === y.o && x.p === y.p;
  }
  if (a.t === 'err' && b.t === 'err') return a.v === b.v;
  return undefined;
}

export function arith(op: string, l: Val, r: Val): Val {
  if (l.t !== 'int' || r.t !== 'int') return UNK;
  switch (op) {
    case '+': return int(l.v + r.v);
    case '-': return int(l.v - r.v);
    case '*': return int(l.v * r.v);
    case '/': return r.v === 0 ? UNK : int(Math.trunc(l.v / r.v));
    case '%': return r.v === 0 ? UNK : int(l.v % r.v);
    case '&': return int(l.v & r.v);
    case '|': return int(l.v | r.v);
    case '^': return int(l.v ^ r.v);
    case '<<': return int(l.v << r.v);
    case '>>': return int(l.v >> r.v);
    default: return UNK;
  }
}

/** `adev.dev` for the member argument of container_of; null when it is not a plain member path. */
export function memberPath(e: Expr | null): string | null {
  if (!e) return null;
  if (e.k === 'id') return e.name;
  if (e.k === 'field' && !e.arrow) {
    const base = memberPath(e.base);
    return base === null ? null : `${base}.${e.field}`;
  }
  if (e.k === 'index' && e.index.k === 'num') {
    const base = memberPath(e.base);
    return base === null ? null : `${base}[${e.index.value}]`;
  }
  return null;
}

export function exprText(e: Expr): string {
  switch (e.k) {
    case 'id': return e.name;
    case 'field': return `${exprText(e.base)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'call': return e.text;
    default: return 'a pointer';
  }
}

export const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** The most history entries a message quotes: the first few and the last ones. */
const STORY_HEAD = 4;
const STORY_TAIL = 6;

/**
 * What happened to an object on the path, for a message: every step when there are few, else the
 * first and the last ones (a call in a loop can repeat thousands of times).
 */
export function story(o: Obj): string {
  const h = o.history;
  if (h.length <= STORY_HEAD + STORY_TAIL + 1) return h.join('; ');
  return [...h.slice(0, STORY_HEAD), `… ${h.length - STORY_HEAD - STORY_TAIL} more …`, ...h.slice(-STORY_TAIL)].join('; ');
}

/** The expressions directly inside `e`: its operands, arguments, base and index. */
export function operands(e: Expr): Expr[] {
  switch (e.k) {
    case 'field': return [e.base];
    case 'index': return [e.base, e.index];
    case 'addr': case 'deref': case 'unary': case 'update': return [e.e];
    case 'binary': case 'assign': return [e.l, e.r];
    case 'call': return e.args;
    case 'cond': return [e.c, e.t, e.f];
    case 'comma': return e.list;
    default: return [];
  }
}

/** The expressions an instruction evaluates (a switch's case values too); none for an unreadable statement. */
export function evaluated(i: Instr): Expr[] {
  switch (i.op) {
    case 'eval': return [i.e];
    case 'decl': return i.init ? [i.init] : [];
    case 'br': return [i.c];
    case 'switch': return [i.e, ...i.cases.map((c) => c.value)];
    case 'ret': return i.e ? [i.e] : [];
    default: return [];
  }
}
