import { VIOLATIONS } from '../../../machines/index.js';
import type { PathFinding } from './types.js';

/**
 * What one path of a function left its caller when it returned an error: which of the caller's
 * objects (named as the caller reaches them, `priv` or `priv->res`) it had freed, with the line of
 * each free, and where it returned.
 */
export interface FailureEnd {
  line: number;
  /** Caller's objects freed on the path and still reachable by the caller (a dangling pointer), by name: the free's line. */
  freed: ReadonlyMap<string, number>;
  failing: PathFinding['failing'];
  steps: PathFinding['steps'];
}

/**
 * A function that frees an object of its caller on one error path takes it over on failure: its
 * caller must not free it then. Every other error path must then free it too, or the caller can
 * be right on neither (freeing it is a double free after the first path, not freeing it is a leak
 * after the other): a `memory-leak` at each error return that leaves such an object unfreed. An
 * object whose pointer the function cleared, or that a path never reached, is told apart: only a
 * pointer the caller still holds to freed memory counts as taken over (e.g. intel_vsec_add_aux()
 * frees its `intel_vsec_dev` on every error but `!parent`).
 * @example ownershipFindings('add', [{ line: 9, freed: new Map([['p', 7]]), failing: null, steps: [] }, { line: 4, freed: new Map(), failing: null, steps: [] }])[0].line // 4
 */
export function ownershipFindings(fn: string, ends: readonly FailureEnd[]): PathFinding[] {
  const taken = new Map<string, { free: number; ret: number }>();
  for (const e of ends) for (const [name, free] of e.freed) if (!taken.has(name)) taken.set(name, { free, ret: e.line });
  if (taken.size === 0) return [];
  const out = new Map<number, PathFinding>();
  for (const e of ends) {
    const left = [...taken].filter(([name]) => !e.freed.has(name));
    if (left.length === 0 || out.has(e.line)) continue;
    const what = left.map(([name, t]) => `${name} (freed at line ${t.free} on the error path that returns at line ${t.ret})`).join(', ');
    out.set(e.line, {
      code: 'memory-leak', line: e.line, column: 1,
      message: `${VIOLATIONS['memory-leak'].when.replace(/\.$/, '')}: ${fn}() returns an error here without freeing ${what}: having taken it over on that other error path, its caller cannot free it on failure without a double free there, nor leave it without this leak`,
      failing: e.failing,
      steps: e.steps,
    });
  }
  return [...out.values()];
}
