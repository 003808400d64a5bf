import { ParameterError, requireObject } from '../../../machines/index.js';
import type { Kernel } from '../../runtime/kernel.js';

/**
 * A driver's routines as the explorer runs them: the environment (`setup`), the code under test
 * that creates (`create`, a driver's probe or its `my_register()`), and the code that undoes it
 * (`teardown`, a driver's remove or `my_unregister()`).
 *
 * Each run gets a fresh kernel. `setup` runs first, with no fault armed: it builds what the
 * routine expects to find (the parent device, the IDA, the auxiliary drivers that bind) and
 * returns it as the context. Then the faults of the run are armed and `create` runs; it returns
 * what the driver's function returns — `0` or a negative errno, a device, several, or `null`.
 * `teardown` runs only when create succeeded (see {@link createSucceeded}), so the unregister
 * path is explored on every path where there is something to undo; a failed create must have
 * unwound itself. The end check (`k.report()`, what kmemleak would find) runs last.
 *
 * Everything a run uses must be made in `setup` or `create`: runs share no state, or the runs
 * would not be independent (the explorer re-runs the routines once per path).
 * @example
 * const s: Scenario<{ parent: ParentDevice }, AuxDevice | number> = {
 *   name: 'plain',
 *   setup: (k) => ({ parent: k.parentDevice('0000:03:00.0') }),
 *   create(k, { parent }) {
 *     const adev = k.kzallocDevice('my_aux');
 *     if (!adev) return NEG.ENOMEM;
 *     adev.name = 'foo'; adev.parent = parent; adev.release = (d) => k.kfree(d);
 *     if (adev.init()) { k.kfree(adev); return NEG.EINVAL; }
 *     const ret = adev.add('my_mod');
 *     if (ret) { adev.uninit(); return ret; }
 *     return adev;
 *   },
 *   teardown(k, ctx, adev) { (adev as AuxDevice).delete(); (adev as AuxDevice).uninit(); },
 * };
 */
export interface Scenario<Ctx = unknown, R = unknown> {
  /** A short name (reports and the command line use it), e.g. `correct-ida`. */
  name: string;
  /** One or two sentences: what the routine does, and what it gets wrong if anything. */
  description?: string;
  /** Builds the environment before faults are armed (parent device, IDA, drivers); its result is `ctx`. */
  setup?(k: Kernel): Ctx;
  /** The code under test that creates: returns 0 / a negative errno, a device, devices, or null. */
  create(k: Kernel, ctx: Ctx): R;
  /**
   * Whether `create` succeeded (so that `teardown` must run). Default: {@link createSucceeded}.
   * Give it when the return value says it differently (e.g. an object with an `err` field).
   */
  ok?(created: R, ctx: Ctx): boolean;
  /** Undoes a successful `create` (delete, uninit, ...). Runs only when create succeeded. */
  teardown?(k: Kernel, ctx: Ctx, created: R): void;
}

/**
 * A scenario of any context and result type (what lists of scenarios hold).
 * @example const all: AnyScenario[] = [correctIda, myScenario];
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list holds scenarios of different types
export type AnyScenario = Scenario<any, any>;

/**
 * Whether a create returned success when the scenario gives no `ok` hook, as C callers read it:
 * a number succeeded when it is `>= 0` (0, or an id); `null`, `undefined` and `false` (a NULL
 * pointer, nothing) and an `Error` (an ERR_PTR) failed; anything else (a device, an array of
 * devices, an object) succeeded.
 * @example
 * createSucceeded(0);        // true
 * createSucceeded(-12);      // false (-ENOMEM)
 * createSucceeded(null);     // false (NULL)
 * createSucceeded([a, b]);   // true
 */
export function createSucceeded(value: unknown): boolean {
  if (typeof value === 'number') return value >= 0;
  if (value === null || value === undefined || value === false) return false;
  try {
    return !(value instanceof Error);
  } catch {
    return true; // a revoked proxy is a non-NULL pointer: create succeeded
  }
}

/**
 * Identity that lets TypeScript infer a scenario's context and result types from `setup` and
 * `create` (and checks the object as {@link checkScenario} does).
 * @example
 * export default defineScenario({ name: 'mine', setup: (k) => ({ ida: k.idaInit() }), create: (k, { ida }) => ida.alloc() });
 */
export function defineScenario<Ctx, R>(scenario: Scenario<Ctx, R>): Scenario<Ctx, R> {
  checkScenario(scenario);
  return scenario;
}

const FUNCTIONS = ['setup', 'create', 'ok', 'teardown'] as const;
const KNOWN = new Set<string>(['name', 'description', ...FUNCTIONS]);

/**
 * Checks that `value` is a scenario: an object with a non-empty `name`, a `create` function, and
 * if present a string `description` and functions `setup`, `ok`, `teardown`; nothing else.
 * Throws a {@link ParameterError} naming the field (prefixed with `parameter`) otherwise.
 * @example checkScenario({ name: 'x', create: () => 0 }) // passes
 * @example checkScenario({ name: 'x' }) // throws "scenario.create: got undefined, expected a function (k, ctx) => result"
 */
export function checkScenario(value: unknown, parameter = 'scenario'): asserts value is AnyScenario {
  requireObject(parameter, value, 'a scenario object { name, setup?, create, ok?, teardown? }');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParameterError(parameter, value, 'a scenario object { name, setup?, create, ok?, teardown? }');
  }
  const s = value as Record<string, unknown>;
  for (const key of Object.keys(s)) {
    if (!KNOWN.has(key)) throw new ParameterError(`${parameter}.${key}`, s[key], `no such field; a scenario has ${[...KNOWN].join(', ')}`);
  }
  if (typeof s.name !== 'string' || s.name.trim().length === 0) throw new ParameterError(`${parameter}.name`, s.name, 'a non-empty string');
  if (s.description !== undefined && typeof s.description !== 'string') throw new ParameterError(`${parameter}.description`, s.description, 'a string');
  if (typeof s.create !== 'function') throw new ParameterError(`${parameter}.create`, s.create, 'a function (k, ctx) => result');
  for (const f of FUNCTIONS) {
    if (s[f] !== undefined && typeof s[f] !== 'function') throw new ParameterError(`${parameter}.${f}`, s[f], 'a function');
  }
}
