import { transition, type AnyStateMachine, type AnyStateNode, type AnyTransitionDefinition, type SnapshotFrom } from 'xstate';
import type { ViolationCode } from '../../machines/index.js';

/** A generated path as `xstate/graph` returns it: an init step, then one step per event. */
export interface GeneratedPath<S, E> {
  steps: Array<{ state: S; event: E }>;
  state: S;
}

/**
 * A transition definition's stable name: source state id, event type and its position among that
 * event's guarded alternatives, e.g. `device.live.allocated:INIT#2`.
 * @example transitionId(deviceMachine.root.states.live!.transitions.get('READ')![0]!) // 'device.live:READ#0'
 */
export function transitionId(t: AnyTransitionDefinition): string {
  const alternatives = t.source.transitions.get(t.eventType) ?? [];
  return `${t.source.id}:${t.eventType}#${alternatives.indexOf(t)}`;
}

/** Every state node below the root, in document order. */
export function allStateNodes(machine: AnyStateMachine): AnyStateNode[] {
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
 * @example allTransitions(driverMachine).length
 */
export function allTransitions(machine: AnyStateMachine): AnyTransitionDefinition[] {
  return [machine.root, ...allStateNodes(machine)].flatMap((n) => [...n.transitions.values()].flat());
}

/**
 * The transitions the paths take, found by asking the machine which transition each step
 * selects from the previous step's state.
 * @example transitionsTaken(deviceMachine, paths).size
 */
export function transitionsTaken<M extends AnyStateMachine>(
  machine: M,
  paths: ReadonlyArray<GeneratedPath<SnapshotFrom<M>, { type: string }>>,
): Set<AnyTransitionDefinition> {
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
 * The state nodes the paths visit (any step's state, not just the last).
 * @example statesVisited(deviceMachine, paths).has('device.dead.freed')
 */
export function statesVisited<M extends AnyStateMachine>(
  paths: ReadonlyArray<GeneratedPath<SnapshotFrom<M>, unknown>>,
): Set<string> {
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
 * `transition` and reading the `violation` effects it returns.
 * @example violationsAlong(deviceMachine, path) // [[], [], ['double-delete']]
 */
export function violationsAlong<M extends AnyStateMachine>(
  machine: M,
  path: GeneratedPath<SnapshotFrom<M>, { type: string }>,
): ViolationCode[][] {
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
