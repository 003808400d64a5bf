import { ParameterError, requireInt, requireObject } from '../../../machines/index.js';
import type { KernelMode, ReleaseTiming } from '../../runtime/kernel.js';
import { DEFAULT_MAX_MEMORY, requireMaxMemory } from '../memory.js';

/**
 * Default of {@link RoutineExploreOptions.maxRuns}: far above what a driver's create and teardown need.
 * @example explore(s).options.maxRuns === ROUTINE_MAX_RUNS_DEFAULT // true
 */
export const ROUTINE_MAX_RUNS_DEFAULT = 10_000;
/**
 * Largest {@link RoutineExploreOptions.maxRuns} accepted.
 * @example explore(s, { maxRuns: ROUTINE_MAX_RUNS_LIMIT + 1 }) // throws ParameterError(options.maxRuns)
 */
export const ROUTINE_MAX_RUNS_LIMIT = 1_000_000;
/**
 * Largest {@link RoutineExploreOptions.maxFaults} accepted (combinations grow as calls^k).
 * @example explore(s, { maxFaults: ROUTINE_MAX_FAULTS_LIMIT }) // every combination of up to 8 failing calls
 */
export const ROUTINE_MAX_FAULTS_LIMIT = 8;
/**
 * Default of {@link RoutineExploreOptions.maxCalls}: kernel calls one run may make before it is
 * taken for a loop that never ends (a driver's create and teardown make tens).
 * @example explore(s).options.maxCalls === ROUTINE_MAX_CALLS_DEFAULT // true
 */
export const ROUTINE_MAX_CALLS_DEFAULT = 100_000;
/**
 * Runs in a row that all end at the call budget (`maxCalls`) after which a scenario is stopped:
 * its routine loops on the kernel whatever fails, and the fail-nth loop would repeat that for
 * each of its up to `maxCalls` fallible calls.
 * @example explore(loopsForever).summary.stoppedBy // 'maxCalls', after ROUTINE_BUDGET_STOP runs
 */
export const ROUTINE_BUDGET_STOP = 3;

/**
 * How far {@link explore} goes.
 * @example explore(s, { maxFaults: 2, maxRuns: 500, onRun: ({ runs }) => process.stderr.write(`${runs}\r`) })
 */
export interface RoutineExploreOptions {
  /**
   * Most calls made to fail on one path (default 1: the kernel's fail-nth loop, one failing call
   * per run). With k > 1, every combination of up to k failing calls along each path.
   */
  maxFaults?: number;
  /** Most runs of the routines (default {@link ROUTINE_MAX_RUNS_DEFAULT}); the result says when it was reached. */
  maxRuns?: number;
  /** The kernel's mode (default `audit`); `strict` ends a path at its first violation (a ViolationError). */
  mode?: KernelMode;
  /**
   * Most kernel calls in one run (default {@link ROUTINE_MAX_CALLS_DEFAULT}): the call past it
   * throws a `CallBudgetError`, which ends that path as an exception, so a routine that loops on
   * the kernel forever is reported instead of hanging the exploration.
   */
  maxCalls?: number;
  /**
   * When release callbacks run (default `immediate`). `deferred`: each waits after the last put
   * until the end of the run, as with CONFIG_DEBUG_KOBJECT_RELEASE (model.md §4.6), so code that
   * assumes the release already ran (frees the container itself, reads what release freed) is
   * judged on that timing too. The verdicts are the same; the traces show the delayed cleanup.
   */
  release?: ReleaseTiming;
  /**
   * Bytes the exploration may add to the process's resident set (default 4 GiB), checked after
   * every run: reached, it stops with the paths it ran (`stoppedBy: 'maxMemory'`).
   */
  maxMemory?: number;
  /** Called after every run, e.g. to show progress. */
  onRun?: (progress: { runs: number; paths: number }) => void;
}

/**
 * The options after checking, with their defaults filled in (what a result records).
 * @example explore(s).options // { maxFaults: 1, maxRuns: 10000, mode: 'audit', maxCalls: 100000 }
 */
export interface ResolvedRoutineOptions {
  maxFaults: number;
  maxRuns: number;
  mode: KernelMode;
  maxCalls: number;
  release: ReleaseTiming;
  maxMemory: number;
}

const KNOWN = ['maxFaults', 'maxRuns', 'mode', 'maxCalls', 'release', 'maxMemory', 'onRun'];

/**
 * Checks {@link RoutineExploreOptions} and fills in the defaults; throws a ParameterError naming the
 * option (`options.maxFaults`, ...) and what it expected.
 * @example resolveRoutineOptions({ maxFaults: 2 }) // { maxFaults: 2, maxRuns: 10000, mode: 'audit', maxCalls: 100000, release: 'immediate', maxMemory: 4294967296 }
 */
export function resolveRoutineOptions(options: unknown): ResolvedRoutineOptions & Pick<RoutineExploreOptions, 'onRun'> {
  if (options === undefined) return { maxFaults: 1, maxRuns: ROUTINE_MAX_RUNS_DEFAULT, mode: 'audit', maxCalls: ROUTINE_MAX_CALLS_DEFAULT, release: 'immediate', maxMemory: DEFAULT_MAX_MEMORY };
  requireObject('options', options, 'an object { maxFaults?, maxRuns?, mode?, maxCalls?, release?, maxMemory?, onRun? }');
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ParameterError('options', options, 'an object { maxFaults?, maxRuns?, mode?, maxCalls?, release?, maxMemory?, onRun? }');
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.includes(key)) throw new ParameterError(`options.${key}`, o[key], `no such option; known: ${KNOWN.join(', ')}`);
  }
  const maxFaults = requireInt('options.maxFaults', o.maxFaults ?? 1, 1, ROUTINE_MAX_FAULTS_LIMIT);
  const maxRuns = requireInt('options.maxRuns', o.maxRuns ?? ROUTINE_MAX_RUNS_DEFAULT, 1, ROUTINE_MAX_RUNS_LIMIT);
  const mode = o.mode ?? 'audit';
  if (mode !== 'audit' && mode !== 'strict') throw new ParameterError('options.mode', mode, "'audit' or 'strict'");
  const maxCalls = requireInt('options.maxCalls', o.maxCalls ?? ROUTINE_MAX_CALLS_DEFAULT, 1, 2 ** 31 - 1);
  const release = o.release ?? 'immediate';
  if (release !== 'immediate' && release !== 'deferred') throw new ParameterError('options.release', release, "'immediate' or 'deferred'");
  const maxMemory = requireMaxMemory('options.maxMemory', o.maxMemory);
  if (o.onRun !== undefined && typeof o.onRun !== 'function') throw new ParameterError('options.onRun', o.onRun, 'a function ({ runs, paths }) => void');
  const resolved: ResolvedRoutineOptions & Pick<RoutineExploreOptions, 'onRun'> = { maxFaults, maxRuns, mode, maxCalls, release, maxMemory };
  if (o.onRun !== undefined) resolved.onRun = o.onRun as RoutineExploreOptions['onRun'];
  return resolved;
}
