/**
 * The routine explorer: a driver's create and teardown routines, run on the simulated kernel on
 * every failure path (the kernel's fail-nth loop), with each distinct problem and the shortest
 * path that shows it.
 */
export { explore } from './explore.js';
export { formatExploration, faultLabel } from './format.js';
export { runScenario, type RunOutcome } from './run.js';
export { dedupeProblems, operationOf } from './problems.js';
export { checkScenario, createSucceeded, defineScenario, type Scenario, type AnyScenario } from './scenario.js';
export {
  resolveRoutineOptions, ROUTINE_BUDGET_STOP, ROUTINE_MAX_RUNS_DEFAULT, ROUTINE_MAX_RUNS_LIMIT, ROUTINE_MAX_FAULTS_LIMIT, ROUTINE_MAX_CALLS_DEFAULT,
  type RoutineExploreOptions, type ResolvedRoutineOptions,
} from './options.js';
export { valueToJson, valueText } from './values.js';
export { loadScenarios, ScenarioModuleError } from './load.js';
export type {
  RoutineExploration, RoutineSummary, RoutinePath, RoutineStep, InjectedFault, CreateOutcome, ThrownError, RoutineProblem, RoutinePhase, ReturnedJson,
} from './types.js';
