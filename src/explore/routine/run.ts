import { requireBool } from '../../../machines/index.js';
import { ViolationError } from '../../runtime/errors.js';
import type { Finding } from '../../runtime/report.js';
import { FaultInjector } from '../../runtime/faults.js';
import { Kernel, type KernelMode, type ReleaseTiming } from '../../runtime/kernel.js';
import { ROUTINE_MAX_CALLS_DEFAULT } from './options.js';
import { checkScenario, createSucceeded, type AnyScenario } from './scenario.js';
import type { CreateOutcome, RoutinePath, InjectedFault, RoutinePhase, RoutineStep, ThrownError } from './types.js';
import { valueText, valueToJson } from './values.js';

/**
 * One run of a scenario: the path it took, and whether every fault armed for it fired.
 * @example runScenario(s, [99]).fired // false when the routine makes fewer than 99 fallible calls
 */
export interface RunOutcome {
  /** The path, without its id and problems (the explorer assigns them). */
  path: Omit<RoutinePath, 'id' | 'problems'>;
  /** Whether every armed fault fired (if not, the run repeats a path already explored). */
  fired: boolean;
}

/**
 * Runs a scenario once on a fresh `Kernel({ mode, trace: true, release })`: setup, then the faults armed
 * (`k.faults.failNths(nths)`: the nths fallible calls from the start of create fail), create,
 * teardown if create succeeded, and the end check. An exception out of the scenario's code ends
 * the run and is recorded, never thrown; the end check is then not run (what is left over is the
 * exception's doing), but the violations found up to it are kept. Bad input (not a scenario, a
 * bad `nths` or mode) throws a ParameterError before anything runs.
 * @example runScenario(scenario, [3]).path.faults // [{ nth: 3, site: 'dev_set_name', step: 12, call: '...' }]
 */
export function runScenario(
  scenario: AnyScenario, nths: readonly number[], mode: KernelMode = 'audit', maxCalls = ROUTINE_MAX_CALLS_DEFAULT, release: ReleaseTiming = 'immediate',
): RunOutcome {
  checkScenario(scenario);
  new FaultInjector(() => 0).failNths(nths); // checks nths, as the run will arm them
  const k = new Kernel({ mode, trace: true, maxCalls, release });
  /** Steps made before create and before teardown (steps are numbered 1, 2, ... in call order). */
  let createFrom = Number.POSITIVE_INFINITY;
  let teardownFrom = Number.POSITIVE_INFINITY;
  let phase: RoutinePhase = 'setup';
  let base = 0;
  let created: CreateOutcome | null = null;
  let tornDown = false;
  let threw: ThrownError | null = null;
  try {
    const ctx: unknown = scenario.setup ? scenario.setup(k) : undefined;
    phase = 'create';
    createFrom = k.calls.length;
    base = k.faults.total;
    if (nths.length > 0) k.faults.failNths(nths);
    const result: unknown = scenario.create(k, ctx);
    const ok = scenario.ok ? requireBool('scenario.ok(result)', scenario.ok(result, ctx)) : createSucceeded(result);
    created = { ok, value: valueToJson(result), text: valueText(result) };
    if (ok && scenario.teardown) {
      phase = 'teardown';
      teardownFrom = k.calls.length;
      scenario.teardown(k, ctx, result);
      tornDown = true;
    }
  } catch (e) {
    threw = thrownError(e, phase, k.calls.length);
  }
  // The end check runs what is still pending first: its delayed cleanups belong to the trace.
  let report: { violations: readonly Finding[]; leaks: Finding[] };
  try {
    report = k.report();
  } catch (e) {
    // strict mode: a violation inside a delayed release ends the run there
    threw ??= thrownError(e, 'teardown', k.calls.length);
    report = { violations: k.violations, leaks: [] };
  }
  const calls = k.calls;
  const failures = k.faults.failures;
  const failedAt = new Map(failures.map((f) => [f.step, f.site]));
  const steps: RoutineStep[] = calls.map((c) => ({
    step: c.step,
    call: c.call,
    depth: c.depth,
    phase: c.step > teardownFrom ? 'teardown' : c.step > createFrom ? 'create' : 'setup',
    failed: failedAt.get(c.step) ?? null,
  }));
  const faults: InjectedFault[] = failures.map((f) => ({ nth: f.nth - base, site: f.site, step: f.step, call: calls[f.step - 1]?.call ?? '' }));
  const leaks = threw ? [] : report.leaks;
  return {
    path: {
      faults,
      fallibleCalls: k.faults.total - base,
      steps,
      created,
      tornDown,
      threw,
      violations: [...report.violations],
      leaks,
      clean: threw === null && report.violations.length === 0 && leaks.length === 0,
    },
    fired: nths.every((n) => failures.some((f) => f.nth === base + n)),
  };
}

function thrownError(e: unknown, phase: RoutinePhase, step: number): ThrownError {
  const name = e instanceof Error ? e.name : `thrown ${typeof e}`;
  let raw: string;
  try {
    raw = e instanceof Error ? e.message : String(e);
  } catch {
    raw = '(a value that cannot be printed)';
  }
  const message = raw.split('\n')[0] ?? '';
  const violation = e instanceof ViolationError ? e.violation : null;
  return { phase, name, message, violation, step };
}
