import type { Expr, LoweredFunction } from '../ir.js';
import { evaluated, operands } from './ops.js';

/**
 * What the file's code does with members, by name (no types: a member is known by its last
 * name): which it reads, which the kernel's callbacks read. The merge key (merge-key.ts) leaves out
 * what no code will read again.
 */

const memberEndsOf = new Map<string, { first: string; last: string }>();
/**
 * The first and last names of a member path: `auxdev.dev.parent` is `auxdev` and `parent`.
 * @example memberEnds('a.b[2].c') // { first: 'a', last: 'c' }
 */
export function memberEnds(p: string): { first: string; last: string } {
  let e = memberEndsOf.get(p);
  if (e === undefined) {
    e = { first: p.split(/[.[]/)[0]!, last: p.split('.').pop()!.replace(/\[.*$/, '') };
    if (memberEndsOf.size < 100_000) memberEndsOf.set(p, e);
  }
  return e;
}

/**
 * The members of a `struct auxiliary_device`: stored before the model knows the object is one, they are told to it then.
 * @example DEVICE_FIELDS.has('name') // true
 */
export const DEVICE_FIELDS = new Set(['name', 'id', 'dev', 'sysfs']);

/**
 * The member names the file's code reads anywhere: every member named in an expression but the
 * one a plain store (`x->m = v`, `x.a.m = v`) writes (the members on the way to it through `.`
 * are addresses, not loads; a pointer followed by `->` is read; a member whose address is taken
 * counts as read).
 * @example readMembers(functions).has('parent') // true when some code reads `x->parent`
 */
const readMembersOf = new WeakMap<ReadonlyMap<string, LoweredFunction>, Set<string>>();
export function readMembers(functions: ReadonlyMap<string, LoweredFunction>): Set<string> {
  let out = readMembersOf.get(functions);
  if (out) return out;
  const found = new Set<string>();
  const read = (e: Expr | null): void => {
    if (e === null) return;
    switch (e.k) {
      case 'field': found.add(e.field); read(e.base); return;
      case 'index': read(e.base); read(e.index); return;
      case 'addr': case 'deref': case 'unary': case 'update': read(e.e); return;
      case 'binary': read(e.l); read(e.r); return;
      case 'assign':
        if (e.op === '=') stored(e.l);
        else read(e.l);
        read(e.r);
        return;
      case 'call': for (const a of e.args) read(a); return;
      case 'cond': read(e.c); read(e.t); read(e.f); return;
      case 'comma': for (const x of e.list) read(x); return;
      default:
    }
  };
  const stored = (e: Expr): void => {
    if (e.k === 'field') {
      if (e.arrow) read(e.base);
      else stored(e.base);
    } else if (e.k === 'index') {
      read(e.base);
      read(e.index);
    } else if (e.k === 'deref') read(e.e);
    else read(e);
  };
  for (const fn of functions.values()) {
    for (const i of fn.code) {
      if (i.op === 'eval') read(i.e);
      else if (i.op === 'decl') read(i.init);
      else if (i.op === 'br') read(i.c);
      else if (i.op === 'switch') {
        read(i.e);
        for (const c of i.cases) read(c.value);
      } else if (i.op === 'ret') read(i.e);
      else if (i.op === 'opaque') for (const w of i.text.match(/[A-Za-z_]\w*/g) ?? []) found.add(w);
    }
  }
  out = found;
  readMembersOf.set(functions, out);
  return out;
}

/**
 * The members the kernel's callbacks may read: those read by the functions of the file whose
 * address the code takes (a release, a devres action, an ops table's entry) and by every function
 * they call. What only the kernel still reaches is read by nothing else.
 * @example callbackReads(functions).has('resource') // a release does kfree(priv->resource)
 */
const callbackReadsOf = new WeakMap<ReadonlyMap<string, LoweredFunction>, Set<string>>();
export function callbackReads(functions: ReadonlyMap<string, LoweredFunction>): Set<string> {
  let out = callbackReadsOf.get(functions);
  if (out) return out;
  const taken = new Set<string>();
  const callees = new Map<string, Set<string>>();
  for (const fn of functions.values()) {
    const calls = new Set<string>();
    callees.set(fn.name, calls);
    for (const i of fn.code) {
      // An unreadable statement may name any function.
      if (i.op === 'opaque') for (const w of i.text.match(/[A-Za-z_]\w*/g) ?? []) if (functions.has(w)) taken.add(w);
      const todo = evaluated(i);
      for (let e = todo.pop(); e !== undefined; e = todo.pop()) {
        if (e.k === 'id' && functions.has(e.name)) taken.add(e.name);
        if (e.k === 'call' && e.callee !== null && functions.has(e.callee)) calls.add(e.callee);
        todo.push(...operands(e));
      }
    }
  }
  const reach = new Map<string, LoweredFunction>();
  const todo = [...taken];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    const fn = functions.get(n);
    if (fn === undefined || reach.has(n)) continue;
    reach.set(n, fn);
    todo.push(...(callees.get(n) ?? []));
  }
  out = readMembers(reach);
  callbackReadsOf.set(functions, out);
  return out;
}

