import {
  NEG, refcount, serializeWorld, stepWorld, worldEventAlphabet, XSTATE_COMPONENTS,
  type WorldCall, type WorldEvent, type WorldLogic, type WorldSnapshot,
} from '../../machines/index.js';
import { describeWorldEvent } from '../explore/world/format.js';
import type { KunitDeviceExpectation, KunitStep } from './types.js';

/**
 * What the model predicts of a path on a real kernel, step by step, and how a path ends cleanly:
 * the model's side of every generated case and sweep.
 */

/** The world's snapshot after `events` from its initial state. */
export function replayWorld(world: WorldLogic, events: readonly WorldEvent[]): WorldSnapshot {
  let s = world.getInitialSnapshot(undefined as never, undefined as never);
  for (const e of events) s = step(world, s, e).next;
  return s;
}

/** The calls a teardown may make: nothing is allocated or registered again. */
const TEARDOWN = new Set<WorldEvent['type']>(['IDA_FREE', 'DELETE', 'UNINIT', 'PUT', 'KFREE', 'RELEASE', 'DRV_UNREGISTER', 'END']);

/** Steps of one world event, with the kernel's callbacks it made. */
export function step(world: WorldLogic, s: WorldSnapshot, event: WorldEvent): { next: WorldSnapshot; calls: WorldCall[] } {
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
  return shortestTeardown(world, from, (e, before, after) => {
    if (after.findings.length > 0) return 'stop';
    // The drivers' structures go with the case: none may stay registered (a module unloads).
    if (e.type === 'END') return before.context.drivers.some((d) => d.hasTag('registered')) ? 'stop' : 'end';
    return 'go';
  });
}

/**
 * Breadth first over the calls a teardown may make from `from`: the shortest continuation whose
 * last step `judge` says ends it ('end'); a step it calls 'stop' is not followed.
 */
export function shortestTeardown(world: WorldLogic, from: WorldSnapshot, judge: (e: WorldEvent, before: WorldSnapshot, after: WorldSnapshot) => 'end' | 'stop' | 'go'): WorldEvent[] | null {
  const seen = new Set([serializeWorld(from)]);
  let frontier: Array<{ s: WorldSnapshot; events: WorldEvent[] }> = [{ s: from, events: [] }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const { s, events } of frontier) {
      for (const e of worldEventAlphabet(world.params, s)) {
        if (!TEARDOWN.has(e.type)) continue;
        const { next: after } = step(world, s, e);
        const verdict = judge(e, s, after);
        if (verdict === 'end') return [...events, e];
        if (verdict === 'stop') continue;
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

/** What `kref_read()` gives for a saturated refcount_t (include/linux/refcount.h: INT_MIN / 2, read unsigned). */
export const REFCOUNT_SATURATED = 0xc0000000;

/**
 * What the model predicts a kernel shows after a step. `saturated[slot]` holds the model's count
 * at which the slot's refcount_t saturated, or -1: it reads REFCOUNT_SATURATED until the model's
 * count changes (only kobject_init sets a saturated count again).
 */
function expectations(world: WorldLogic, s: WorldSnapshot, released: number[], saturated: number[]): Pick<KunitStep, 'devices' | 'ida' | 'ids'> {
  const c = s.context;
  const devices: KunitDeviceExpectation[] = [];
  c.devices.forEach((d, slot) => {
    if (d === null) return;
    const valid = !d.hasTag('freed');
    const count = refcount(d.context);
    if (saturated[slot] !== count) saturated[slot] = -1;
    // lib/kobject.c kobject_cleanup: the release's cleanup takes the kobject out of sysfs first,
    // so a device released while still on the bus (after B6) is not registered any more.
    const registered = c.onBus[slot]! && (!d.hasTag('dead') || d.hasTag('releasePending'));
    devices.push(valid
      ? { slot, valid, kref: saturated[slot]! >= 0 ? REFCOUNT_SATURATED : count, registered, released: released[slot]! }
      : { slot, valid, released: released[slot]! });
  });
  const { min, max } = world.params.idaRange;
  const lowest = c.ida.set.firstFree(min, max);
  return { devices, ids: c.ids.slice(), ida: { lowest: lowest < 0 ? NEG.ENOSPC : lowest, empty: c.ida.set.size === 0 } };
}

/**
 * Replays `events` on the world and records what the model predicts after each; null when a
 * step reports a violation (such paths run in a kernel of their own, not in the shared suite),
 * except the last one when `lastMayViolate`, or any one when it is `'any'`.
 */
export function predictSteps(world: WorldLogic, events: readonly WorldEvent[], teardownFrom = events.length, lastMayViolate: boolean | 'any' = false): KunitStep[] | null {
  let s = world.getInitialSnapshot(undefined as never, undefined as never);
  const released = Array.from({ length: world.params.devices }, () => 0);
  const saturated = Array.from({ length: world.params.devices }, () => -1);
  const steps: KunitStep[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const r = step(world, s, event);
    if (r.next.findings.length > 0 && lastMayViolate !== 'any' && !(lastMayViolate && i === events.length - 1)) return null;
    s = r.next;
    for (const call of r.calls) {
      if (call.call === 'release') released[call.dev]!++;
      const d = s.context.devices[call.dev];
      if (call.call === 'kref-saturated' && d) saturated[call.dev] = refcount(d.context);
    }
    steps.push({
      event,
      text: describeWorldEvent(event),
      teardown: i >= teardownFrom,
      ...(s.returned === undefined ? {} : { returns: s.returned }),
      calls: r.calls,
      ...expectations(world, s, released, saturated),
    });
  }
  return steps;
}

