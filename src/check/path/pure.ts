import type { Expr, Instr, LoweredFunction } from '../ir.js';
import { ALLOC, FREE, isTracked } from './known-calls.js';
import { evaluated, operands } from './ops.js';

/**
 * Same-file helpers a path may run as a summary (run.ts, `callSameFile`) instead of inline: those
 * that call nothing the model follows. Such a helper's effects on its caller are the value it
 * returns, what it stores into the caller's memory and the pointers it hands to code of another
 * file, so running all its paths once where it is called, and letting the caller's path branch
 * over their distinct outcomes, gives the caller the outcomes inline runs would, without each of
 * the helper's internal branches multiplying the caller's paths.
 *
 * A helper qualifies when, read statically, it (and every same-file function it calls or names):
 * - calls nothing the model follows (allocations, frees, the IDA and auxiliary-bus API, devres,
 *   get/put_device), no `container_of` (it may find a device);
 * - has no scope-based cleanup (`__free`) and no `no_free_ptr()` / `return_ptr()`.
 * What it touches is checked as it runs: a load or store of memory the model judges (an
 * allocation, a device, a member the file uses as a device) makes the path run it inline.
 *
 * @example pureFunctions(new Map([['f', lowered]])) // Set { 'f' } when f only computes a value
 */
export function pureFunctions(functions: ReadonlyMap<string, LoweredFunction>): Set<string> {
  return qualifying(functions, null);
}

/**
 * Same-file helpers that cannot touch a device, an IDA or devres: like {@link pureFunctions}, but
 * they may allocate and free plain memory (kmalloc, kfree, `__free(kfree)`). Where a path calls one
 * with arguments that reach nothing the model judges (run.ts `callSameFile`), it is run as a
 * function of another file is: its result unknown. Its own memory handling is not judged from
 * the caller; what it could do to a device it cannot reach.
 * @example aloofFunctions(new Map([['g', lowered]])) // Set { 'g' } when g only frees its own buffers
 */
export function aloofFunctions(functions: ReadonlyMap<string, LoweredFunction>, deviceMembers: ReadonlySet<string>, returnsValue: (name: string) => boolean): Set<string> {
  // One that returns a pointer may return what it allocated, which its caller may make a device of.
  return new Set([...qualifying(functions, deviceMembers)].filter(returnsValue));
}

/**
 * The members a function and the same-file functions it calls or names store to (`x->m = v`,
 * `x->m += v`, `x->m++`, a member whose address is handed on): what an aloof helper may have
 * changed in the memory it was given.
 * @example membersStored(functions, 'g') // Set { 'count', 'buf' }
 */
export function membersStored(functions: ReadonlyMap<string, LoweredFunction>, name: string): Set<string> {
  const out = new Set<string>();
  const place = (e: Expr): void => {
    if (e.k === 'field') out.add(e.field);
    else if (e.k === 'index' || e.k === 'deref') place(e.k === 'index' ? e.base : e.e);
  };
  overClosure(functions, name, (e) => {
    if (e.k === 'assign') place(e.l);
    else if (e.k === 'update' || e.k === 'addr') place(e.e);
  }, (words) => {
    // An unreadable statement may store to any member it names.
    for (const w of words) out.add(w);
  });
  return out;
}

/**
 * The identifiers a function and the same-file functions it calls or names use (the globals it
 * may reach are among them).
 * @example namesUsed(functions, 'g') // Set { 'buf', 'len', 'global_list', ... }
 */
export function namesUsed(functions: ReadonlyMap<string, LoweredFunction>, name: string): Set<string> {
  const out = new Set<string>();
  overClosure(functions, name, (e) => {
    if (e.k === 'id') out.add(e.name);
  }, (words) => {
    for (const w of words) out.add(w);
  });
  return out;
}

/** Every expression of `name` and of the same-file functions it calls or names, and the words of each statement the lowering could not read. */
function overClosure(functions: ReadonlyMap<string, LoweredFunction>, name: string, onExpr: (e: Expr) => void, onOpaque: (words: string[]) => void): void {
  const seen = new Set<string>();
  const todo = [name];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    const fn = functions.get(n);
    if (fn === undefined || seen.has(n)) continue;
    seen.add(n);
    for (const i of fn.code as Instr[]) {
      if (i.op === 'opaque') onOpaque(i.text.match(/[A-Za-z_]\w*/g) ?? []);
      const exprs = evaluated(i);
      for (let e = exprs.pop(); e !== undefined; e = exprs.pop()) {
        onExpr(e);
        if (e.k === 'call' && e.callee !== null) todo.push(e.callee);
        else if (e.k === 'id') todo.push(e.name);
        exprs.push(...operands(e));
      }
    }
  }
}

function qualifying(functions: ReadonlyMap<string, LoweredFunction>, memory: ReadonlySet<string> | null): Set<string> {
  const callees = new Map<string, Set<string>>();
  const candidates = new Set<string>();
  for (const [name, fn] of functions) {
    const calls = new Set<string>();
    if (locallyPure(fn, functions, calls, memory)) {
      candidates.add(name);
      callees.set(name, calls);
    }
  }
  // A fixed point: drop any candidate that calls a same-file function that is not one (itself
  // included: recursion is refused by the interpreter, never summarised).
  for (let changed = true; changed;) {
    changed = false;
    for (const name of [...candidates]) {
      const calls = callees.get(name)!;
      if (calls.has(name) || [...calls].some((c) => !candidates.has(c))) {
        candidates.delete(name);
        changed = true;
      }
    }
  }
  return candidates;
}

/** Calls that change what a summary cannot restore: a pointer variable nulled, a value kept. */
const REFUSED_CALLS = new Set(['no_free_ptr', 'return_ptr', 'devm_kfree', 'BUG', 'BUG_ON', 'container_of', 'container_of_const']);

/**
 * Calls an aloof helper may make: plain memory (its own buffers) and container_of (from arguments
 * that reach no device, checked where it is called, it finds none).
 */
const MEMORY_CALLS = new Set([...ALLOC, ...FREE, 'no_free_ptr', 'return_ptr', 'container_of', 'container_of_const']);

/** Whether `fn`'s own code qualifies (`memory`: plain allocations and frees allowed); its same-file callees are collected into `calls`. */
function locallyPure(fn: LoweredFunction, functions: ReadonlyMap<string, LoweredFunction>, calls: Set<string>, memory: ReadonlySet<string> | null): boolean {
  if (fn.refused !== null) return false;
  let ok = true;
  const walk = (e: Expr): void => {
    if (!ok) return;
    switch (e.k) {
      case 'call':
        if (e.callee !== null) {
          if (!(memory !== null && MEMORY_CALLS.has(e.callee)) && (isTracked(e.callee) || REFUSED_CALLS.has(e.callee))) {
            ok = false;
            return;
          }
          if (functions.has(e.callee)) calls.add(e.callee);
        }
        for (const a of e.args) walk(a);
        return;
      case 'assign': walk(e.l); walk(e.r); return;
      case 'update': walk(e.e); return;
      case 'field':
        // A device's member (or a release callback) named: what it does is the model's to see.
        if (memory !== null && (memory.has(e.field) || e.field === 'release')) {
          ok = false;
          return;
        }
        walk(e.base);
        return;
      case 'index': walk(e.base); walk(e.index); return;
      case 'addr': case 'deref': case 'unary': walk(e.e); return;
      case 'binary': walk(e.l); walk(e.r); return;
      case 'cond': walk(e.c); walk(e.t); walk(e.f); return;
      case 'comma': for (const x of e.list) walk(x); return;
      case 'id':
        // A same-file function named as a value (a callback handed on): it may run anywhere.
        if (functions.has(e.name)) calls.add(e.name);
        return;
      default:
    }
  };
  for (const i of fn.code as Instr[]) {
    switch (i.op) {
      case 'eval': walk(i.e); break;
      case 'decl':
        if (i.cleanup !== null && !(memory !== null && FREE.has(i.cleanup))) return false;
        if (i.init) walk(i.init);
        break;
      case 'br': walk(i.c); break;
      case 'switch': walk(i.e); for (const c of i.cases) walk(c.value); break;
      case 'ret': if (i.e) walk(i.e); break;
      case 'opaque':
        // A statement the lowering could not read is run only when it names nothing the model
        // follows (run.ts `matters`); an aloof helper is not run at all: it may name nothing.
        if (memory !== null) {
          for (const w of i.text.match(/[A-Za-z_]\w*/g) ?? []) {
            if (functions.has(w) || memory.has(w) || (isTracked(w) && !MEMORY_CALLS.has(w))) return false;
          }
        }
        break;
      default:
    }
    if (!ok) return false;
  }
  return ok;
}
