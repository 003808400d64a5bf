import {
  createWorld, NEG, refcount, resolveWorldParams, serializeWorld, stepWorld, worldEventAlphabet, XSTATE_COMPONENTS,
  type WorldCall, type WorldEvent, type WorldLogic, type WorldParams, type WorldParamsInput, type WorldSnapshot,
} from '../../machines/index.js';
import { allTransitions, transitionId } from '../paths/coverage.js';
import { deviceMachine, driverMachine, idaMachine } from '../../machines/index.js';
import { exploreWorld } from '../explore/world/explore.js';
import { worldTestPaths } from '../explore/world/paths.js';
import { describeWorldEvent } from '../explore/world/format.js';
import type { KunitCase, KunitDeviceExpectation, KunitStep, KunitSuite } from './types.js';

/**
 * The worlds the default suite runs: two devices sharing a two-id IDA, a driver that binds and one
 * whose probe fails, two references; the release callback frees the container and, in the second
 * world, not the id (the code frees it after uninit, as most drivers do).
 */
export const DEFAULT_KUNIT_WORLDS: readonly WorldParamsInput[] = Object.freeze([
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }], refBound: 2, release: { present: true, freesContainer: true, freesId: true } },
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }], refBound: 2, release: { present: true, freesContainer: true, freesId: false } },
]);

/** The calls a teardown may make: nothing is allocated or registered again. */
const TEARDOWN = new Set<WorldEvent['type']>(['IDA_FREE', 'DELETE', 'UNINIT', 'PUT', 'KFREE', 'RELEASE', 'DRV_UNREGISTER', 'END']);

/** Steps of one world event, with the kernel's callbacks it made. */
function step(world: WorldLogic, s: WorldSnapshot, event: WorldEvent): { next: WorldSnapshot; calls: WorldCall[] } {
  const calls: WorldCall[] = [];
  const r = stepWorld(XSTATE_COMPONENTS, world.params, s.context, event, calls);
  const next: WorldSnapshot = { status: r.state.ended ? 'done' : 'active', output: undefined, error: undefined, context: r.state, findings: r.findings, returned: r.returned };
  return { next, calls };
}

/**
 * The shortest continuation from `from` that ends the scenario (END) with no finding on any
 * step: what a correct driver's remove path does from there. Null when none exists.
 */
export function cleanTeardown(world: WorldLogic, from: WorldSnapshot): WorldEvent[] | null {
  const seen = new Set([serializeWorld(from)]);
  let frontier: Array<{ s: WorldSnapshot; events: WorldEvent[] }> = [{ s: from, events: [] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { s, events } of frontier) {
      for (const e of worldEventAlphabet(world.params, s)) {
        if (!TEARDOWN.has(e.type)) continue;
        const { next: after } = step(world, s, e);
        if (after.findings.length > 0) continue;
        // The drivers' structures go with the case: none may stay registered (a module unloads).
        if (e.type === 'END') {
          if (s.context.drivers.some((d) => d.hasTag('registered'))) continue;
          return [...events, e];
        }
        const key = serializeWorld(after);
        if (seen.has(key)) continue;
        seen.add(key);
        next.push({ s: after, events: [...events, e] });
      }
    }
    frontier = next;
  }
  return null;
}

/** What the model predicts a kernel shows after a step. */
function expectations(world: WorldLogic, s: WorldSnapshot, released: number[]): Pick<KunitStep, 'devices' | 'ida' | 'ids'> {
  const c = s.context;
  const devices: KunitDeviceExpectation[] = [];
  c.devices.forEach((d, slot) => {
    if (d === null) return;
    const valid = !d.hasTag('freed');
    devices.push(valid
      ? { slot, valid, kref: refcount(d.context), registered: c.onBus[slot]!, released: released[slot]! }
      : { slot, valid, released: released[slot]! });
  });
  const { min, max } = world.params.idaRange;
  const lowest = c.ida.set.firstFree(min, max);
  return { devices, ids: c.ids.slice(), ida: { lowest: lowest < 0 ? NEG.ENOSPC : lowest, empty: c.ida.set.size === 0 } };
}

/**
 * Replays `events` on the world and records what the model predicts after each; null when a
 * step reports a violation (such paths run in a kernel of their own, not in the shared suite).
 */
export function predictSteps(world: WorldLogic, events: readonly WorldEvent[], teardownFrom = events.length): KunitStep[] | null {
  let s = world.getInitialSnapshot(undefined as never, undefined as never);
  const released = Array.from({ length: world.params.devices }, () => 0);
  const steps: KunitStep[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const r = step(world, s, event);
    if (r.next.findings.length > 0) return null;
    for (const call of r.calls) if (call.call === 'release') released[call.dev]!++;
    s = r.next;
    steps.push({
      event,
      text: describeWorldEvent(event),
      teardown: i >= teardownFrom,
      ...(s.returned === undefined ? {} : { returns: s.returned }),
      calls: r.calls,
      ...expectations(world, s, released),
    });
  }
  return steps;
}

/** A C identifier from a transition id: `device.live.refcounted.initialized:ADD#4` → `initialized_add_4`. */
function slug(transition: string): string {
  const [source = '', event = ''] = transition.split(':');
  const state = source.split('.').slice(-1)[0] ?? '';
  return `${state}_${event}`.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/**
 * The model's test cases over its composed worlds: for every transition of the device, IDA and
 * driver machines that a violation-free world path reaches, the shortest such path that takes
 * it first, followed by the shortest correct teardown, with every outcome the model predicts.
 * Throws ParameterError on bad world params.
 * @example kunitSuite().cases[0].steps[0].text // 'dev0: kzalloc()'
 */
export function kunitSuite(worlds: readonly WorldParamsInput[] = DEFAULT_KUNIT_WORLDS, name = 'auxbus_model'): KunitSuite {
  const resolved: WorldParams[] = worlds.map((w) => resolveWorldParams(w));
  const cases: KunitCase[] = [];
  const covered = new Set<string>();
  resolved.forEach((params, w) => {
    const world = createWorld(params);
    for (const path of worldTestPaths(exploreWorld(params)).paths) {
      const fresh = path.covers.filter((t) => !covered.has(t));
      if (fresh.length === 0) continue;
      if (predictSteps(world, path.events) === null) continue;
      let s = world.getInitialSnapshot(undefined as never, undefined as never);
      for (const e of path.events) s = step(world, s, e).next;
      const teardown = !s.context.ended ? cleanTeardown(world, s) : s.context.drivers.some((d) => d.hasTag('registered')) ? null : [];
      if (teardown === null) continue;
      const steps = predictSteps(world, [...path.events, ...teardown], path.events.length);
      if (steps === null) continue;
      for (const t of fresh) covered.add(t);
      cases.push({ name: `w${w}_${String(cases.length).padStart(3, '0')}_${slug(fresh[0]!)}`, world: w, covers: fresh, steps });
    }
  });
  const coverage = ([['device', deviceMachine], ['ida', idaMachine], ['driver', driverMachine]] as const).map(([machine, definition]) => {
    const all = allTransitions(definition).map(transitionId);
    const missing = all.filter((t) => !covered.has(t));
    return { machine, taken: all.length - missing.length, total: all.length, missing };
  });
  return { name, worlds: resolved, cases, coverage };
}
