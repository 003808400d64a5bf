import type { Expr, Instr, LoweredFunction } from '../ir.js';
import { isTracked } from './known-calls.js';

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
  const callees = new Map<string, Set<string>>();
  const candidates = new Set<string>();
  for (const [name, fn] of functions) {
    const calls = new Set<string>();
    if (locallyPure(fn, functions, calls)) {
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

/** Whether `fn`'s own code qualifies; its same-file callees are collected into `calls`. */
function locallyPure(fn: LoweredFunction, functions: ReadonlyMap<string, LoweredFunction>, calls: Set<string>): boolean {
  if (fn.refused !== null) return false;
  let ok = true;
  const walk = (e: Expr): void => {
    if (!ok) return;
    switch (e.k) {
      case 'call':
        if (e.callee !== null) {
          if (isTracked(e.callee) || REFUSED_CALLS.has(e.callee)) {
            ok = false;
            return;
          }
          if (functions.has(e.callee)) calls.add(e.callee);
        }
        for (const a of e.args) walk(a);
        return;
      case 'assign': walk(e.l); walk(e.r); return;
      case 'update': walk(e.e); return;
      case 'field': walk(e.base); return;
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
        if (i.cleanup !== null) return false;
        if (i.init) walk(i.init);
        break;
      case 'br': walk(i.c); break;
      case 'switch': walk(i.e); for (const c of i.cases) walk(c.value); break;
      case 'ret': if (i.e) walk(i.e); break;
      default:
    }
    if (!ok) return false;
  }
  return ok;
}
