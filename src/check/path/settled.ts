import type { LoweredFunction } from '../ir.js';
import { resolve, type Obj, type Val } from '../values.js';
import { ALLOC } from './known-calls.js';
import { evaluated, operands } from './ops.js';

/**
 * Devices settled on the bus: added, bound to no driver, held by a devres action of the file, and
 * reachable by nothing the function still names (no frame, argument, local or global). Until the
 * parent's unbind runs that action nothing the function does can touch one: what happens to it
 * then (its fate) depends on what it holds, not on the path that follows. The merge key (merge-key.ts)
 * leaves such devices out, so paths that made different numbers of them meet (intel_vsec's three
 * capability walks in a row: each walk's devices no longer multiply the next walk's states).
 *
 * A path that meets an earlier state is cut only when the fate of each device it carries was
 * judged already, at the end of a path that carried a device of the same fate; the first to carry
 * one goes on to its end. So every fate is judged once, at an unbind, as before.
 *
 * What it assumes: what such a device points to outside its own memory is a global (an IDA) or
 * an object the function never wrote (its `pdev`), and the function does not change what the
 * action and the release read there later.
 */

/**
 * Calls the checker follows that reach a settled device without a pointer to it: ida_destroy()
 * frees every id of its IDA, a settled device's among them, so its release would find its id
 * gone after it and not before. A root function that may make one (itself, or a function of the
 * file it calls or names) settles nothing. (What else could reach one in the kernel, a driver
 * binding it or a devres group released early, the checker does not follow anywhere: its kernel
 * has no driver on the bus, and such calls are calls of another file, whose pointers it cannot
 * tell apart; leaving the device out of the key changes no finding there.)
 */
export const SETTLE_BLOCKERS: ReadonlySet<string> = new Set(['ida_destroy']);

const settleableOf = new WeakMap<ReadonlyMap<string, LoweredFunction>, Map<string, boolean>>();

/**
 * Whether the paths of `root` may leave settled devices out of their merge keys: neither it nor
 * any function of the file it calls or names (a devres action, a release) calls a
 * {@link SETTLE_BLOCKERS} name, in a statement the lowering read or in one it could not.
 * @example settleable(functions, 'intel_vsec_pci_probe') // true: no driver, no ida_destroy()
 */
export function settleable(functions: ReadonlyMap<string, LoweredFunction>, root: string): boolean {
  let known = settleableOf.get(functions);
  if (known === undefined) settleableOf.set(functions, (known = new Map()));
  const hit = known.get(root);
  if (hit !== undefined) return hit;
  let ok = true;
  const seen = new Set<string>();
  const todo = [root];
  for (let n = todo.pop(); n !== undefined && ok; n = todo.pop()) {
    const fn = functions.get(n);
    if (fn === undefined || seen.has(n)) continue;
    seen.add(n);
    for (const i of fn.code) {
      if (i.op === 'opaque') {
        for (const w of i.text.match(/[A-Za-z_]\w*/g) ?? []) {
          if (SETTLE_BLOCKERS.has(w)) ok = false;
          todo.push(w);
        }
      }
      const exprs = evaluated(i);
      for (let e = exprs.pop(); e !== undefined; e = exprs.pop()) {
        if (e.k === 'call' && e.callee !== null) {
          if (SETTLE_BLOCKERS.has(e.callee)) ok = false;
          todo.push(e.callee);
        } else if (e.k === 'id') todo.push(e.name);
        exprs.push(...operands(e));
      }
    }
  }
  known.set(root, ok);
  return ok;
}

/** What {@link settledObjects} reads of a path's state. */
export interface SettleState {
  /** Every object of the path. */
  objs: readonly Obj[];
  /** The objects the code can still name (merge-key.ts `rootedObjects`). */
  rooted: ReadonlySet<Obj>;
  /** The data of each devres action of the file the parent holds. */
  held: ReadonlyArray<{ data: Val }>;
  /** Objects judged already or by other means (dead, flagged, leaked, devm memory): never settled. */
  apart: (o: Obj) => boolean;
  /** Objects a settled device may point to: globals, objects the function never wrote. */
  fixed: (o: Obj) => boolean;
}

/**
 * The settled devices of a state (see the module comment) with the memory only they reach
 * (their `resource` array): each device's allocation and that memory together.
 * @example settledObjects({ objs, rooted, held, apart: (o) => dead.has(o), fixed: (o) => globals.has(o) })
 */
export function settledObjects(s: SettleState): Set<Obj> {
  const devices = new Set<Obj>();
  for (const h of s.held) {
    const r = resolve(h.data);
    if (r.t !== 'ptr') continue;
    const o = r.o;
    if (o.kind === 'heap' && o.rt !== null && o.dev !== null && o.within === undefined && o.others === undefined
      && !s.rooted.has(o) && !s.apart(o) && o.rt.hasTag('onBus') && !o.rt.hasTag('bound')) devices.add(o);
  }
  const settled = new Set<Obj>();
  for (const d of devices) {
    const part = new Set<Obj>([d]);
    let alone = true;
    const todo = [d];
    for (let o = todo.pop(); o !== undefined && alone; o = todo.pop()) {
      for (const v of o.fields.values()) {
        const r = resolve(v);
        if (r.t !== 'ptr' || part.has(r.o) || s.fixed(r.o)) continue;
        const t = r.o;
        // Memory of its own: a plain allocation no one else reaches (another device's is not).
        if (t.kind === 'heap' && !devices.has(t) && !s.rooted.has(t) && !s.apart(t) && t.dev === null && t.within === undefined) {
          part.add(t);
          todo.push(t);
        } else alone = false;
      }
    }
    if (alone) for (const o of part) settled.add(o);
  }
  return settled;
}

/**
 * Whether `v` points into one of `objects`.
 * @example pointsInto(settled, h.data) // a devres action's data is a settled device
 */
export function pointsInto(objects: ReadonlySet<Obj>, v: Val): boolean {
  const r = resolve(v);
  return r.t === 'ptr' && objects.has(r.o);
}

/** Calls the model may fail (each a choice of the path): an allocation, an id, an init or add, a devres registration. */
function chooses(name: string): boolean {
  return name.startsWith('ida_alloc') || name === 'ida_simple_get' || name.startsWith('devm_') || /^(?:__)?(?:devm_)?auxiliary_device_(?:init|add|create)$/.test(name)
    || ALLOC.has(name);
}

/**
 * Whether the functions of the file named (devres actions, release callbacks) and those they
 * call or name run one way only: no test, no loop, no statement the lowering could not read, no
 * call through a pointer and no call the model may fail. A settled device whose unbind runs
 * only such code has one end, which a path may judge where it is cut (run.ts `judgeSettled`).
 * @example branchless(functions, ['intel_vsec_remove_aux', 'intel_vsec_dev_release']) // true
 */
export function branchless(functions: ReadonlyMap<string, LoweredFunction>, names: Iterable<string>): boolean {
  const seen = new Set<string>();
  const todo = [...names];
  for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
    if (seen.has(n)) continue;
    seen.add(n);
    const fn = functions.get(n);
    if (fn === undefined) {
      if (chooses(n)) return false;
      continue;
    }
    for (const i of fn.code) {
      if (i.op === 'br' || i.op === 'switch' || i.op === 'opaque') return false;
      const exprs = evaluated(i);
      for (let e = exprs.pop(); e !== undefined; e = exprs.pop()) {
        if (e.k === 'call') {
          if (e.callee === null) return false;
          todo.push(e.callee);
        } else if (e.k === 'id' && functions.has(e.name)) todo.push(e.name);
        exprs.push(...operands(e));
      }
    }
  }
  return true;
}
