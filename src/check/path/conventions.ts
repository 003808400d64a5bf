import type { Expr, LoweredFunction } from '../ir.js';
import { kernelMacros } from '../macros/data.js';

/**
 * What a call returns when it fails: NULL or an error pointer. Known for the kernel APIs below
 * (each with the source of the fact, in the 6.12 tree or kernel-auxbus.md) and derived for a
 * helper of the checked file from its `return` statements; a function of another file the list
 * does not name is unknown, and nothing is judged on what it returns.
 */

/** How a call reports failure: a NULL pointer, or an ERR_PTR(-errno). */
export type FailureValue = 'null' | 'err-ptr';

/** A call's failure convention and where that is written down. */
export interface Convention {
  fails: FailureValue;
  source: string;
}

/** The kernel APIs whose failure value the checker knows, grouped by the fact's source. */
const KNOWN: ReadonlyArray<{ names: string[]; fails: FailureValue; source: string }> = [
  {
    names: ['kmalloc', 'kzalloc', 'kcalloc', 'kmalloc_array', 'kmalloc_node', 'kzalloc_node'],
    fails: 'null',
    source: 'mm/slub.c __do_kmalloc_node: NULL when no memory can be had',
  },
  {
    names: ['kvmalloc', 'kvzalloc', 'kvcalloc'],
    fails: 'null',
    source: 'mm/util.c kvmalloc_node: "pointer to the allocated memory of %NULL in case of failure"',
  },
  { names: ['kmemdup'], fails: 'null', source: 'mm/util.c kmemdup: "newly allocated copy of @src or %NULL in case of error"' },
  { names: ['kstrdup'], fails: 'null', source: 'mm/util.c kstrdup: "newly allocated copy of @s or %NULL in case of error"' },
  {
    names: ['devm_kzalloc', 'devm_kmalloc', 'devm_kcalloc', 'devm_kmemdup', 'devm_kmalloc_array'],
    fails: 'null',
    source: 'drivers/base/devres.c devm_kmalloc: "Pointer to allocated memory on success, NULL on failure"',
  },
  {
    names: ['auxiliary_device_create'],
    fails: 'null',
    source: 'kernel-auxbus.md §1.5: auxiliary_device_create returns NULL on every failure',
  },
  {
    names: ['devm_auxiliary_device_create', '__devm_auxiliary_device_create'],
    fails: 'null',
    source: 'kernel-auxbus.md §1.6: NULL on every failure in the fixed trees (the IS_ERR() check of @379565a0 was the bug)',
  },
];

const byName = new Map<string, Convention>();
for (const k of KNOWN) for (const n of k.names) byName.set(n, { fails: k.fails, source: k.source });
// The kernel's macros that allocate through one of them (`kzalloc_obj`, ...) fail as it does.
for (const [macro, fn] of kernelMacros().allAliases()) {
  const c = byName.get(fn);
  if (c && !byName.has(macro)) byName.set(macro, c);
}

/**
 * The failure convention of a kernel API the checker knows, or undefined.
 * @example knownConvention('kzalloc')?.fails // 'null'
 */
export function knownConvention(name: string): Convention | undefined {
  return byName.get(name);
}

/**
 * The failure values a same-file helper's `return` statements give: `return NULL`, `return
 * ERR_PTR(...)` / `ERR_CAST(...)`, or the result of a call whose convention is known (an API
 * above, another helper of the file). Both: a helper that returns NULL for "absent" and an error
 * pointer for a failure (the `_optional` convention), where neither test alone is wrong; neither:
 * it returns what it computed (a variable), and the value's own origin says what it is.
 */
export function helperReturns(fn: LoweredFunction, functions: ReadonlyMap<string, LoweredFunction>): { kinds: Set<FailureValue>; lines: number[] } {
  return derive(fn, functions, new Set());
}

const derived = new WeakMap<LoweredFunction, { kinds: Set<FailureValue>; lines: number[] }>();

function derive(fn: LoweredFunction, functions: ReadonlyMap<string, LoweredFunction>, visiting: Set<LoweredFunction>): { kinds: Set<FailureValue>; lines: number[] } {
  const known = derived.get(fn);
  if (known) return known;
  // A helper that returns its own result (recursion) adds nothing to what its other returns say.
  if (visiting.has(fn)) return { kinds: new Set(), lines: [] };
  visiting.add(fn);
  const kinds = new Set<FailureValue>();
  const lines: number[] = [];
  for (const i of fn.code) {
    if (i.op !== 'ret' || i.e === null) continue;
    const k = returned(i.e, functions, visiting);
    for (const x of k) kinds.add(x);
    if (k.size > 0) lines.push(i.line);
  }
  visiting.delete(fn);
  const out = { kinds, lines };
  derived.set(fn, out);
  return out;
}

function returned(e: Expr, functions: ReadonlyMap<string, LoweredFunction>, visiting: Set<LoweredFunction>): Set<FailureValue> {
  if (e.k === 'id' && e.name === 'NULL') return new Set(['null']);
  if (e.k === 'cond') return new Set([...returned(e.t, functions, visiting), ...returned(e.f, functions, visiting)]);
  if (e.k !== 'call' || e.callee === null) return new Set();
  if (e.callee === 'ERR_PTR' || e.callee === 'ERR_CAST') return new Set(['err-ptr']);
  const api = knownConvention(e.callee);
  if (api) return new Set([api.fails]);
  const helper = functions.get(e.callee);
  return helper ? derive(helper, functions, visiting).kinds : new Set();
}
