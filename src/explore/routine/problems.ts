import { ParameterError, requireObject, VIOLATIONS } from '../../../machines/index.js';
import type { Finding } from '../../runtime/report.js';
import type { RoutinePath, RoutinePhase, RoutineProblem } from './types.js';

/**
 * Deduplication: one problem per root cause across paths. Two findings are the same problem when
 * they have the same code, are found in the same phase (create, teardown, or the end check), by
 * the same operation (the call without the object it was made on: `kfree()`, `read("id")`,
 * `ida_free(0)`) on an object created by the same call (`kzalloc("struct my_aux")`). The object's
 * own name is left out: a device is `auxiliary device #4 (struct my_aux)` before add names it and
 * `auxiliary device my_mod.foo.0` after, so the same bad line of code would otherwise count twice.
 * Exceptions are the same problem when they have the same phase, class and message.
 */

/**
 * The operation of a finding: its call without the object in front.
 * @example operationOf({ object: 'IDA my_ida', call: 'IDA my_ida: ida_free(0)', ... }) // 'ida_free(0)'
 */
export function operationOf(f: Finding): string {
  requireObject('operationOf(finding)', f, 'a Finding { object, call, ... }');
  if (typeof f.object !== 'string' || typeof f.call !== 'string') throw new ParameterError('operationOf(finding)', f, 'a Finding { object, call, ... }');
  const prefix = `${f.object}: `;
  return f.call.startsWith(prefix) ? f.call.slice(prefix.length) : f.call;
}

function phaseOf(path: Pick<RoutinePath, 'steps'>, step: number): RoutinePhase {
  return path.steps[step - 1]?.phase ?? 'create';
}

interface Seen {
  key: string;
  make(): Omit<RoutineProblem, 'id' | 'paths' | 'shortest'>;
  pathId: number;
}

function findingsOf(path: RoutinePath): Seen[] {
  const seen: Seen[] = [];
  const add = (f: Finding, kind: 'violation' | 'leak') => {
    const phase = kind === 'leak' ? 'end' : phaseOf(path, f.step);
    const operation = kind === 'leak' ? 'end check' : operationOf(f);
    const info = VIOLATIONS[f.code];
    seen.push({
      key: `${f.code}|${phase}|${operation}|${f.createdAt.call}`,
      pathId: path.id,
      make: () => ({
        kind, code: f.code, bugClass: f.bugClass, phase, operation, object: f.object, origin: f.createdAt.call,
        finding: f, error: null, when: info.when, kernelSymptom: info.kernelSymptom, fix: info.fix, section: info.section,
      }),
    });
  };
  for (const f of path.violations) add(f, 'violation');
  for (const f of path.leaks) add(f, 'leak');
  const t = path.threw;
  // A strict-mode ViolationError is its violation, already among the findings.
  if (t && t.violation === null) {
    seen.push({
      key: `exception|${t.phase}|${t.name}: ${t.message}`,
      pathId: path.id,
      make: () => ({
        kind: 'exception', code: 'exception', bugClass: null, phase: t.phase, operation: `${t.name}: ${t.message}`, object: null, origin: null,
        finding: null, error: t, when: null, kernelSymptom: null, fix: null, section: null,
      }),
    });
  }
  return seen;
}

/**
 * Whether path a is a better counterexample than b: fewer failing calls (a bug that shows without
 * any fault is shown without one), then fewer steps, then explored first.
 */
function shorter(a: RoutinePath, b: RoutinePath): boolean {
  if (a.faults.length !== b.faults.length) return a.faults.length < b.faults.length;
  if (a.steps.length !== b.steps.length) return a.steps.length < b.steps.length;
  return a.id < b.id;
}

/**
 * Groups the findings and exceptions of explored paths into problems (see above), numbers them
 * in order of first appearance, picks each one's shortest path (among those with the fewest failing calls), and writes each path's problem
 * ids into `path.problems`.
 * @example dedupeProblems(paths).map((p) => [p.code, p.paths]) // [['double-free', [3, 4]]]
 */
export function dedupeProblems(paths: RoutinePath[]): RoutineProblem[] {
  requireObject('dedupeProblems(paths)', paths, 'the paths of an exploration (explore().paths)');
  if (!Array.isArray(paths)) throw new ParameterError('dedupeProblems(paths)', paths, 'the paths of an exploration (explore().paths)');
  const byKey = new Map<string, { paths: RoutinePath[]; seen: Map<number, Seen> }>();
  for (const path of paths) {
    for (const s of findingsOf(path)) {
      let entry = byKey.get(s.key);
      if (!entry) byKey.set(s.key, (entry = { paths: [], seen: new Map() }));
      if (!entry.seen.has(path.id)) {
        entry.paths.push(path);
        entry.seen.set(path.id, s);
      }
    }
  }
  const problems: RoutineProblem[] = [];
  for (const entry of byKey.values()) {
    const best = entry.paths.reduce((a, b) => (shorter(b, a) ? b : a));
    const id = problems.length + 1;
    problems.push({ id, ...entry.seen.get(best.id)!.make(), paths: entry.paths.map((p) => p.id).sort((a, b) => a - b), shortest: best.id });
    for (const p of entry.paths) if (!p.problems.includes(id)) p.problems.push(id);
  }
  return problems;
}
