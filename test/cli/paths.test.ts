import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_EVENT_CALLS, deviceMachine, driverMachine, errnoName } from '../../machines/index.js';
import type { PathExport } from '../../src/export/paths.js';
import { allTransitions, transitionId } from '../../src/paths/index.js';
import { STACK_LINE, auxbus } from './run.js';

const value = (v: unknown): string =>
  typeof v === 'string' ? v : Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}.${value(x)}`).join(' & ');

/** Replays an exported path with XState directly, independently of the exporter's own replay. */
function replayWithXState(machine: AnyStateMachine, input: unknown, path: PathExport['paths'][number]) {
  let [snap] = initialTransition(machine, input as never);
  return path.steps.map((s) => {
    [snap] = transition(machine, snap, s.event as never);
    return value(snap.value);
  });
}

describe('auxbus paths', () => {
  let run: ReturnType<typeof auxbus>;
  let x: PathExport;
  beforeAll(() => {
    run = auxbus(['paths', '--machine', 'device', '--strategy', 'transitions', '--format', 'json']);
    x = JSON.parse(run.stdout) as PathExport;
  });

  it('transition strategy on the device covers every transition id of the machine, self-loops included: a kzalloc()ed container\'s and, with --devm, a devm_kzalloc()ed one\'s', () => {
    expect(run.code).toBe(0);
    const devmRun = auxbus(['paths', '--machine', 'device', '--devm', '--format', 'json']);
    expect(devmRun.code).toBe(0);
    const devm = JSON.parse(devmRun.stdout) as PathExport;
    expect(devm.input).toEqual({ hasRelease: true, devm: true });
    expect(devm.options.devm).toBe(true);
    const taken = new Set([...x.paths, ...devm.paths].flatMap((p) => p.steps.flatMap((s) => s.transitions)));
    const all = allTransitions(deviceMachine).map(transitionId);
    expect(all.filter((t) => !taken.has(t))).toEqual([]);
    // §5 B4: what only devm memory does, a kfree() of it, is on the --devm paths alone.
    expect(x.summary.transitions.missed.every((t) => t.endsWith(':KFREE#0'))).toBe(true);
    expect(x.summary.transitions.missed.filter((t) => !devm.summary.transitions.missed.includes(t))).toEqual(x.summary.transitions.missed);
    // Targetless transitions (GET, violations) are the ones a state-keyed traversal would miss.
    expect(allTransitions(deviceMachine).filter((t) => !t.target).length).toBeGreaterThan(20);
  });

  it('each step names the kernel call, the errno of an error return and the state XState reaches', () => {
    for (const p of x.paths.slice(0, 200)) {
      p.steps.forEach((s) => {
        expect(s.call).toBe(DEVICE_EVENT_CALLS[s.event.type as keyof typeof DEVICE_EVENT_CALLS]);
        if (s.returns !== null && s.returns < 0) expect(s.errno).toBe(errnoName(s.returns));
        else expect(s.errno).toBeNull();
      });
      expect(p.steps.map((s) => s.state)).toEqual(replayWithXState(deviceMachine, x.input, p));
    }
    const raised = new Set(x.paths.flatMap((p) => p.violations));
    expect(raised).toContain('double-delete');
    expect(Object.keys(x.summary.violations).sort()).toEqual([...raised].sort());
  });

  it('Markdown has one table per path', () => {
    const r = auxbus(['paths', '--machine', 'driver', '--format', 'md']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# driver machine: \d+ paths \(transitions\)/);
    expect(r.stdout).toContain('| # | event | kernel call | state reached | returns | violations | kernel log |');
    expect(r.stdout).toContain('-EINVAL');
    expect(r.stdout).toContain('driver-incomplete');
  });

  it('shortest gives one path per reachable state; simple runs on a small machine', () => {
    const shortest = JSON.parse(auxbus(['paths', '--machine', 'driver', '--strategy', 'shortest', '--json']).stdout) as PathExport;
    expect(new Set(shortest.paths.map((p) => p.finalState))).toEqual(new Set(['unregistered', 'registered']));
    const simple = auxbus(['paths', '--machine', 'driver', '--strategy', 'simple']);
    expect(simple.code).toBe(0);
    const sp = JSON.parse(simple.stdout) as PathExport;
    expect(sp.strategy).toBe('simple');
    // Every exported path replays to its final state on the machine.
    for (const p of sp.paths) expect(replayWithXState(driverMachine, sp.input, p).at(-1) ?? 'unregistered').toBe(p.finalState);
  });

  it('simple is refused on the device machine: exit 2, a clear message, no stack trace', () => {
    const r = auxbus(['paths', '--machine', 'device', '--strategy', 'simple']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/simple paths .* \d+ states, more than the \d+/);
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('model bounds are checked: --ref-bound is for the device only and 1..4', () => {
    expect(auxbus(['paths', '--machine', 'ida', '--ref-bound', '2']).code).toBe(2);
    expect(auxbus(['paths', '--machine', 'device', '--ref-bound', '5']).code).toBe(2);
    expect(auxbus(['paths', '--machine', 'driver', '--ida-capacity', '1']).code).toBe(2);
    const devmOnIda = auxbus(['paths', '--machine', 'ida', '--devm']);
    expect(devmOnIda.code).toBe(2);
    expect(devmOnIda.stderr).toContain('--devm applies to --machine device only');
    expect(auxbus(['paths']).code).toBe(2);
    const small = JSON.parse(auxbus(['paths', '--machine', 'ida', '--ida-capacity', '1', '--strategy', 'shortest']).stdout) as PathExport;
    expect(small.options).toEqual({ idaCapacity: 1 });
    // The IDA machine takes no input: the id set is the runner's, and each exported event carries
    // the facts read from it, so a path replays on the machine alone.
    expect(small.input).toBeNull();
    const allocs = small.paths.flatMap((p) => p.steps).filter((s) => s.event.type === 'ALLOC');
    expect(allocs.length).toBeGreaterThan(0);
    for (const s of allocs) {
      const lowest = (s.event as { lowest?: number }).lowest;
      expect(typeof lowest).toBe('number');
      if (s.returns !== null && s.returns >= 0) expect(s.returns).toBe(lowest);
    }
  });
});
