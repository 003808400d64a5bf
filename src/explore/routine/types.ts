import type { BugClass, ViolationCode } from '../../../machines/index.js';
import type { FaultSite } from '../../runtime/faults.js';
import type { KernelMode, ReleaseTiming } from '../../runtime/kernel.js';
import type { Finding } from '../../runtime/report.js';

/**
 * What {@link explore} returns: plain data only (numbers, strings, booleans, null, arrays and
 * plain objects), so `JSON.parse(JSON.stringify(result))` gives an equal object and
 * `formatExploration` reads either.
 */

/**
 * Where a step ran: the environment, the code that creates, or the code that undoes it.
 * @example explore(s).paths[0]!.steps.map((st) => st.phase) // ['setup', 'setup', 'create', ..., 'teardown']
 */
export type RoutinePhase = 'setup' | 'create' | 'teardown';

/**
 * A JSON value (what a create's return value is recorded as).
 * @example const v: ReturnedJson = { object: 'auxiliary device my_mod.foo.0' };
 */
export type ReturnedJson = null | boolean | number | string | ReturnedJson[] | { [key: string]: ReturnedJson };

/**
 * One kernel call on a path, in order.
 * @example { step: 10, call: 'auxiliary device #3 (struct my_aux): add("my_mod")', depth: 0, phase: 'create', failed: 'dev_set_name' }
 */
export interface RoutineStep {
  /** The call's number in the run (1-based; calls made inside others, e.g. by a release callback, count too). */
  step: number;
  /** The call, e.g. `auxiliary device my_mod.foo.0: add("my_mod")`. */
  call: string;
  /** 0 for a call the routine made, 1 for a call made inside it (a release callback's kfree), ... */
  depth: number;
  phase: RoutinePhase;
  /** The fault site injected in this call, or null. */
  failed: FaultSite | null;
}

/**
 * A fallible call that was made to fail on a path.
 * @example { nth: 3, site: 'dev_set_name', step: 10, call: 'auxiliary device #3 (struct my_aux): add("my_mod")' }
 */
export interface InjectedFault {
  /** Which fallible call of the routine it was (1-based, counted from the start of create, as fail-nth counts). */
  nth: number;
  site: FaultSite;
  /** The step of the call it failed in. */
  step: number;
  /** That call. */
  call: string;
}

/**
 * What a path's create returned.
 * @example { ok: false, value: -12, text: '-12 (-ENOMEM)' }
 */
export interface CreateOutcome {
  /** Whether it counted as success (so that teardown ran). */
  ok: boolean;
  /** The value, as JSON: a number, null, a kernel object as `{ object: "auxiliary device ..." }`, ... */
  value: ReturnedJson;
  /** The value as a report shows it, e.g. `-12 (-ENOMEM)` or `auxiliary device my_mod.foo.0`. */
  text: string;
}

/**
 * An exception out of the scenario's code (a bug in it, bad input to the runtime, or strict mode's ViolationError).
 * @example { phase: 'create', name: 'TypeError', message: "Cannot set properties of null (setting 'name')", violation: null, step: 3 }
 */
export interface ThrownError {
  phase: RoutinePhase;
  /** The error's class name, e.g. `TypeError`, `ViolationError`. */
  name: string;
  /** Its message's first line. */
  message: string;
  /** For a strict-mode ViolationError, its code (the violation is also among the path's findings). */
  violation: ViolationCode | null;
  /** The last step made before it was thrown. */
  step: number;
}

/**
 * One explored path: one run of setup, create and (if create succeeded) teardown, with its faults.
 * @example const p = explore(s).paths[3]!; p.faults[0]!.site; p.violations.map((f) => f.code); // 'dev_set_name', ['double-free']
 */
export interface RoutinePath {
  /** 0 for the fault-free path, then 1, 2, ... in the order explored. */
  id: number;
  /** The calls made to fail (empty on the fault-free path), in step order. */
  faults: InjectedFault[];
  /** How many fallible calls the routine made on this path (create and teardown; setup's are not counted). */
  fallibleCalls: number;
  steps: RoutineStep[];
  /** What create returned; null when setup or create threw. */
  created: CreateOutcome | null;
  /** Whether teardown ran to its end. */
  tornDown: boolean;
  /** The exception that ended the path early, or null. */
  threw: ThrownError | null;
  /** Violations, at their steps (model.md §3). */
  violations: Finding[];
  /** What the end check found (model.md §4.3); not run when the path threw. */
  leaks: Finding[];
  /** No violation, no leak, no exception. */
  clean: boolean;
  /** The ids of the problems seen on this path. */
  problems: number[];
}

/**
 * A problem: one root cause, seen on one or more paths (deduplicated).
 * @example const [p] = explore(s).problems; `${p!.code} (${p!.bugClass}) on paths ${p!.paths.join(', ')}` // 'double-free (B4) on paths 3, 4'
 */
export interface RoutineProblem {
  /** 1, 2, ... in order of first appearance. */
  id: number;
  kind: 'violation' | 'leak' | 'exception';
  /** The violation code, or `exception` for a throw out of the scenario's code. */
  code: ViolationCode | 'exception';
  bugClass: BugClass | null;
  /** Where it is found: in setup, create or teardown; `end` for the end check. */
  phase: RoutinePhase | 'end';
  /** The operation that made it without its object, e.g. `kfree()`, `read("id")`, `ida_free(0)`; the end check for a leak; the error for an exception. */
  operation: string;
  /** The object concerned, as named on the shortest path (null for an exception). */
  object: string | null;
  /** The call that created that object (null for an exception). */
  origin: string | null;
  /** Every path it appears on (ids, ascending). */
  paths: number[];
  /** The counterexample to read: of those paths, the shortest among those with the fewest failing calls (then the lowest id). */
  shortest: number;
  /** The finding on the shortest path (null for an exception). */
  finding: Finding | null;
  /** The exception on the shortest path (null for a finding). */
  error: ThrownError | null;
  /** From the violation table (machines/violations.ts); null for an exception. */
  when: string | null;
  kernelSymptom: string | null;
  fix: string | null;
  /** Spec sections (kernel-auxbus.md) behind the code; null for an exception. */
  section: string | null;
}

/**
 * Counts over an exploration.
 * @example explore(s).summary // { paths: 6, clean: 4, threw: 0, runs: 7, fallibleCalls: 5, problems: 1, codes: { 'double-free': 2 }, complete: true, stopped: null, stoppedBy: null }
 */
export interface RoutineSummary {
  /** Paths explored (distinct runs: the fault-free one and one per set of failing calls that fired). */
  paths: number;
  /** Paths with no violation, no leak and no exception. */
  clean: number;
  /** Paths whose scenario code threw. */
  threw: number;
  /** Runs made, including the ones that ended a fail-nth loop (the armed call was never reached). */
  runs: number;
  /** Fallible calls on the fault-free path: with one fault per run, paths = this + 1 when complete. */
  fallibleCalls: number;
  /** Distinct problems (deduplicated). */
  problems: number;
  /** Per code: how many paths show it. */
  codes: Record<string, number>;
  /** False when a bound stopped the exploration before every path was run. */
  complete: boolean;
  /** Why it stopped early, or null. */
  stopped: string | null;
  /**
   * The bound that stopped it: `maxRuns`; `maxCalls` (its first runs all ended at the call
   * budget: the routine loops on the kernel); `maxMemory`; or null.
   */
  stoppedBy: 'maxRuns' | 'maxCalls' | 'maxMemory' | null;
}

/**
 * What {@link explore} returns.
 * @example const r: RoutineExploration = JSON.parse(JSON.stringify(explore(s))); formatExploration(r);
 */
export interface RoutineExploration {
  scenario: { name: string; description: string | null };
  options: { maxFaults: number; maxRuns: number; mode: KernelMode; maxCalls: number; release: ReleaseTiming; maxMemory: number };
  summary: RoutineSummary;
  /** Distinct problems, in order of first appearance. */
  problems: RoutineProblem[];
  /** Every path, the fault-free one first. */
  paths: RoutinePath[];
}
