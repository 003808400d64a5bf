import { dedupeProblems } from './problems.js';
import { MemoryGauge } from '../memory.js';
import { resolveRoutineOptions, ROUTINE_BUDGET_STOP, type RoutineExploreOptions } from './options.js';
import { runScenario } from './run.js';
import { checkScenario, type AnyScenario } from './scenario.js';
import type { RoutineExploration, RoutinePath } from './types.js';

/**
 * Proves a driver's create and teardown routines on every failure path, or shows the path that
 * breaks them: the kernel's fail-nth loop over the simulated kernel.
 *
 * It runs the scenario once with no fault, then once per fallible call with that call failing
 * (`failNth(n)` for n = 1, 2, ... until a run ends without reaching the n-th fallible call), each
 * run on a fresh kernel. With `maxFaults: k > 1`, each path with fewer than k failing calls is
 * extended the same way by one more failing call after its last one, so every combination of up
 * to k failing calls along each path is run once. The runtime (driven by the machines) decides
 * every lifecycle question; the explorer only arms faults, runs and collects the reports.
 *
 * Bad input (not a scenario, bad options) throws a ParameterError; an exception out of the
 * scenario's own code is caught and reported on its path.
 * @example
 * const result = explore(scenario);
 * result.summary;            // { paths: 6, clean: 4, problems: 1, complete: true, ... }
 * result.problems[0]!.code;  // 'double-free'
 * console.log(formatExploration(result));
 */
export function explore(scenario: AnyScenario, options?: RoutineExploreOptions): RoutineExploration {
  checkScenario(scenario);
  const opts = resolveRoutineOptions(options);
  const paths: RoutinePath[] = [];
  let runs = 0;
  let stopped: string | null = null;
  let stoppedBy: RoutineExploration['summary']['stoppedBy'] = null;
  /** Runs so far that ended at the call budget, while every run has. */
  let budgetRuns = 0;
  const gauge = new MemoryGauge();

  const run = (nths: readonly number[]) => {
    runs++;
    const outcome = runScenario(scenario, nths, opts.mode, opts.maxCalls, opts.release);
    // A routine that loops on the kernel ends every run at the budget whatever fails: after a
    // few such runs in a row from the first, the rest would say the same at great cost.
    if (budgetRuns === runs - 1 && outcome.path.threw?.name === 'CallBudgetError') {
      budgetRuns++;
      if (budgetRuns >= ROUTINE_BUDGET_STOP && stopped === null) {
        stopped = `stopped after ${budgetRuns} runs that all hit the call budget of ${opts.maxCalls} calls (maxCalls): the routine loops on the kernel whatever fails`;
        stoppedBy = 'maxCalls';
      }
    }
    if (stopped === null && gauge.sample() >= opts.maxMemory) {
      stopped = `stopped at the memory bound of ${Math.round(opts.maxMemory / 2 ** 20)} MiB (maxMemory) after ${runs} runs, before every path was explored`;
      stoppedBy = 'maxMemory';
    }
    let path: RoutinePath | undefined;
    if (outcome.fired) {
      path = { id: paths.length, ...outcome.path, problems: [] };
      paths.push(path);
    }
    opts.onRun?.({ runs, paths: paths.length });
    return path;
  };

  // Breadth first: the fault-free path, every path with one failing call, then with two, ...
  const root = run([]);
  let level: Array<{ nths: readonly number[]; path: RoutinePath }> = root && stopped === null ? [{ nths: [], path: root }] : [];
  for (let depth = 1; depth <= opts.maxFaults && level.length > 0 && stopped === null; depth++) {
    const next: typeof level = [];
    for (const parent of level) {
      // The fail-nth loop after the parent's last failing call: n, n+1, ... until one never fires.
      for (let n = (parent.nths[parent.nths.length - 1] ?? 0) + 1; ; n++) {
        if (runs >= opts.maxRuns) {
          // The parent made fewer fallible calls: the confirming run could not fire, nothing is missed.
          if (n > parent.path.fallibleCalls) break;
          stopped = `stopped at the bound of ${opts.maxRuns} runs (maxRuns) before every path was explored`;
          stoppedBy = 'maxRuns';
          break;
        }
        const nths = [...parent.nths, n];
        const path = run(nths);
        if (!path || stopped !== null) {
          if (path) next.push({ nths, path });
          break;
        }
        next.push({ nths, path });
      }
      if (stopped !== null) break;
    }
    level = next;
  }

  const problems = dedupeProblems(paths);
  const pathsByCode = new Map<string, Set<number>>();
  for (const pr of problems) {
    const set = pathsByCode.get(pr.code) ?? new Set<number>();
    for (const id of pr.paths) set.add(id);
    pathsByCode.set(pr.code, set);
  }
  const codes: Record<string, number> = Object.fromEntries([...pathsByCode].map(([code, set]) => [code, set.size]));
  return {
    scenario: { name: scenario.name, description: scenario.description ?? null },
    options: { maxFaults: opts.maxFaults, maxRuns: opts.maxRuns, mode: opts.mode, maxCalls: opts.maxCalls, release: opts.release, maxMemory: opts.maxMemory },
    summary: {
      paths: paths.length,
      clean: paths.filter((p) => p.clean).length,
      threw: paths.filter((p) => p.threw !== null).length,
      runs,
      fallibleCalls: paths[0]?.fallibleCalls ?? 0,
      problems: problems.length,
      codes,
      complete: stopped === null,
      stopped,
      stoppedBy,
    },
    problems,
    paths,
  };
}
