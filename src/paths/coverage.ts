import { transition, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition, type SnapshotFrom } from 'xstate';
import { ParameterError, requireObject, type ViolationCode } from '../../machines/index.js';
import { isArray, requireArray } from '../../machines/common/checks.js';

/** A generated path as `xstate/graph` returns it: an init step, then one step per event. */
export interface GeneratedPath<S, E> {
  steps: Array<{ state: S; event: E }>;
  state: S;
}

/**
 * A transition definition's stable name: source state id, event type and its position among that
 * event's guarded alternatives, e.g. `device.live.allocated:INIT#2`. Throws {@link ParameterError}
 * for anything but a transition definition.
 * @example transitionId(deviceMachine.root.states.live!.transitions.get('READ')![0]!) // 'device.live:READ#0'
 */
export function transitionId(t: AnyTransitionDefinition): string {
  requireTransition('transitionId(t)', t);
  const alternatives = t.source.transitions.get(t.eventType) ?? [];
  return `${t.source.id}:${t.eventType}#${alternatives.indexOf(t)}`;
}

/**
 * Every state node below the root, in document order. Throws {@link ParameterError} for anything
 * but an XState machine.
 * @example allStateNodes(deviceMachine).map((n) => n.id).includes('device.dead.freed') // true
 */
export function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
  requireMachine('allStateNodes(machine)', machine);
  const out: AnyStateNode[] = [];
  const walk = (node: AnyStateNode) => {
    for (const child of Object.values(node.states) as AnyStateNode[]) {
      out.push(child);
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

/**
 * Every transition the machine defines: each guarded alternative of each event of each state.
 * Throws {@link ParameterError} for anything but an XState machine.
 * @example allTransitions(driverMachine).length
 */
export function allTransitions(machine: AnyStateMachine): AnyTransitionDefinition[] {
  requireMachine('allTransitions(machine)', machine);
  return [machine.root, ...allStateNodes(machine)].flatMap((n) => [...n.transitions.values()].flat());
}

/**
 * The transitions the paths take, found by asking the machine which transition each step
 * selects from the previous step's state. Throws {@link ParameterError} unless `paths` are paths
 * whose states are snapshots of `machine`.
 * @example transitionsTaken(deviceMachine, paths).size
 */
export function transitionsTaken<M extends AnyStateMachine>(
  machine: M,
  paths: ReadonlyArray<GeneratedPath<SnapshotFrom<M>, { type: string }>>,
): Set<AnyTransitionDefinition> {
  requireMachine('transitionsTaken(machine)', machine);
  requirePaths('transitionsTaken(paths)', paths, machine);
  const taken = new Set<AnyTransitionDefinition>();
  for (const path of paths) {
    for (let k = 1; k < path.steps.length; k++) {
      const prev = path.steps[k - 1]!.state;
      for (const t of machine.getTransitionData(prev as never, path.steps[k]!.event as never)) taken.add(t);
    }
  }
  return taken;
}

/**
 * The state nodes the paths visit (any step's state, not just the last). Throws
 * {@link ParameterError} unless `paths` are paths of machine snapshots.
 * @example statesVisited(deviceMachine, paths).has('device.dead.freed')
 */
export function statesVisited<M extends AnyStateMachine>(
  paths: ReadonlyArray<GeneratedPath<SnapshotFrom<M>, unknown>>,
): Set<string> {
  requirePaths('statesVisited(paths)', paths, undefined);
  const seen = new Set<string>();
  for (const path of paths) {
    for (const step of path.steps) {
      for (const n of (step.state as { _nodes: AnyStateNode[] })._nodes) seen.add(n.id);
    }
  }
  return seen;
}

/**
 * The violations each step of a path raises, found by replaying the path with XState's pure
 * `transition` and reading the `violation` effects it returns. Throws {@link ParameterError}
 * unless `path` is a path whose states are snapshots of `machine`.
 * @example violationsAlong(deviceMachine, path) // [[], [], ['double-delete']]
 */
export function violationsAlong<M extends AnyStateMachine>(
  machine: M,
  path: GeneratedPath<SnapshotFrom<M>, { type: string }>,
): ViolationCode[][] {
  requireMachine('violationsAlong(machine)', machine);
  requirePath('violationsAlong(path)', path, machine);
  const out: ViolationCode[][] = [[]];
  for (let k = 1; k < path.steps.length; k++) {
    const [, actions] = transition(machine, path.steps[k - 1]!.state as never, path.steps[k]!.event as never);
    out.push(
      (actions as Array<{ type: string; params?: { code?: ViolationCode } }>)
        .filter((a) => a.type === 'violation')
        .map((a) => a.params!.code!),
    );
  }
  return out;
}

// The checks below run before a helper reads anything: XState reads a machine, node or snapshot
// deep inside, where a wrong value would end in a TypeError naming XState's internals.

const MACHINE = 'an XState machine (createMachine / setup().createMachine)';
const PATH = 'a generated path { steps: [{ state, event }, ...] } (getShortestPaths, getSimplePaths)';

function requireMachine(parameter: string, machine: unknown): void {
  const m = requireObject(parameter, machine, MACHINE) as Record<string, unknown>;
  if (typeof m.getTransitionData !== 'function') throw new ParameterError(parameter, machine, MACHINE);
  const root = requireObject(`${parameter}.root`, m.root, `${MACHINE}: its root state node`) as Record<string, unknown>;
  if (!(root.transitions instanceof Map) || typeof root.states !== 'object' || root.states === null) throw new ParameterError(parameter, machine, MACHINE);
}

function requireTransition(parameter: string, t: unknown): void {
  const expected = 'a transition definition of a machine (allTransitions(machine))';
  const d = requireObject(parameter, t, expected) as Record<string, unknown>;
  if (typeof d.eventType !== 'string') throw new ParameterError(parameter, t, expected);
  const source = requireObject(`${parameter}.source`, d.source, 'the state node the transition leaves') as Record<string, unknown>;
  if (typeof source.id !== 'string' || !(source.transitions instanceof Map)) throw new ParameterError(`${parameter}.source`, d.source, 'the state node the transition leaves');
}

/**
 * A path's steps: each state a snapshot (of `machine` when given: XState would read another
 * machine's snapshot against this one), each event after the first an object with a type.
 */
function requirePath(parameter: string, path: unknown, machine: AnyStateMachine | undefined): void {
  const p = requireObject(parameter, path, PATH) as Record<string, unknown>;
  const steps = requireArray(`${parameter}.steps`, p.steps, `${PATH}: an array of steps`);
  steps.forEach((raw, k) => {
    const at = `${parameter}.steps[${k}]`;
    const step = requireObject(at, raw, 'a step { state, event }') as Record<string, unknown>;
    const expected = machine ? 'a snapshot of the machine' : "a machine's snapshot";
    const state = requireObject(`${at}.state`, step.state, expected) as Record<string, unknown>;
    if (machine ? state.machine !== machine : !isArray(state._nodes)) throw new ParameterError(`${at}.state`, step.state, expected);
    if (!machine) (state._nodes as unknown[]).forEach((n, i) => requireObject(`${at}.state._nodes[${i}]`, n, 'a state node'));
    if (k > 0) {
      const event = requireObject(`${at}.event`, step.event, 'an event { type, ... }') as Record<string, unknown>;
      if (typeof event.type !== 'string') throw new ParameterError(`${at}.event.type`, event.type, 'an event type (a string)');
    }
  });
}

function requirePaths(parameter: string, paths: unknown, machine: AnyStateMachine | undefined): void {
  requireArray(parameter, paths, `an array of paths (${PATH})`).forEach((p, i) => requirePath(`${parameter}[${i}]`, p, machine));
}
