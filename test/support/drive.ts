import { initialTransition, transition, type AnyStateMachine, type SnapshotFrom, type EventFromLogic, type InputFrom } from 'xstate';

/** What one event did: the state after it, the value it returned, violations and other effects. */
export interface StepResult<M extends AnyStateMachine> {
  state: SnapshotFrom<M>;
  returned: number | undefined;
  violations: string[];
  effects: string[];
}

/**
 * Steps a machine through events with XState's pure transition function and records each step's
 * effects, so tests can assert what the kernel would return and report.
 */
export function drive<M extends AnyStateMachine>(machine: M, events: Array<EventFromLogic<M>>, input?: InputFrom<M>) {
  let [state] = initialTransition(machine, input as never);
  const steps: Array<StepResult<M>> = [];
  for (const event of events) {
    const [next, actions] = transition(machine, state as never, event as never);
    state = next;
    const acts = actions as Array<{ type: string; params?: Record<string, unknown> }>;
    steps.push({
      state: next as SnapshotFrom<M>,
      returned: acts.find((a) => a.type === 'returns')?.params?.value as number | undefined,
      violations: acts.filter((a) => a.type === 'violation').map((a) => a.params!.code as string),
      effects: acts.filter((a) => a.type !== 'returns' && a.type !== 'violation' && a.type !== 'kernelLog').map((a) => a.type),
    });
  }
  const last = steps[steps.length - 1];
  return { steps, last: last!, final: state as SnapshotFrom<M>, allViolations: steps.flatMap((s) => s.violations) };
}
