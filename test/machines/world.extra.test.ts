/**
 * The world's extra calls (`WorldExtraCall`): calls no explorer offers, which generated tests
 * make so that every transition of the component machines is reached on a kernel. Each is
 * replayed with the world's own pure transition and its kernel outcome read back.
 */
import { describe, expect, it } from 'vitest';
import {
  createWorld, refcount, worldEvents, XSTATE_COMPONENTS,
  type WorldEvent, type WorldParamsInput, type WorldSnapshot,
} from '../../machines/index.js';

function replay(params: WorldParamsInput, events: WorldEvent[]): WorldSnapshot[] {
  const world = createWorld(params);
  let s = world.getInitialSnapshot(undefined as never, undefined as never);
  return events.map((e) => (s = world.transition(s, e, undefined as never)));
}
const last = <T>(xs: T[]) => xs[xs.length - 1]!;
const codes = (s: WorldSnapshot) => s.findings.map((f) => f.code);

const ALLOC: WorldEvent = { type: 'KZALLOC', dev: 0, fail: false };
const INIT: WorldEvent = { type: 'INIT', dev: 0, ok: true };
const ADD: WorldEvent = { type: 'ADD', dev: 0, fault: 'none' };
const ONE = { devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' as const }, { probe: 'ok' as const }] };

describe('world extra calls', () => {
  it('worldEvents never offers one, in any state a long path passes (the explorers\' worlds are unchanged)', () => {
    const extra = new Set(['INIT_NULL_NAME', 'ADD_NULL_MODNAME', 'WRITE_ID', 'SET_RELEASE', 'IDA_FREE_NEGATIVE', 'IDA_ALLOC_EMPTY_RANGE', 'IDA_DESTROY', 'DRV_REGISTER_INCOMPLETE', 'DRV_REGISTER_AS']);
    const world = createWorld({ ...ONE, faults: true });
    let s = world.getInitialSnapshot(undefined as never, undefined as never);
    for (const e of [{ type: 'DRV_REGISTER', drv: 0, fault: 'none' }, ALLOC, { type: 'IDA_ALLOC', dev: 0, fail: false }, INIT, ADD] as WorldEvent[]) {
      const offered = worldEvents(XSTATE_COMPONENTS, world.params, s.context).map((x) => x.type);
      expect(offered.filter((t) => extra.has(t))).toEqual([]);
      s = world.transition(s, e, undefined as never);
    }
  });

  it('§1.2 check 2: init with a NULL name returns -EINVAL and leaves the device allocated (kref 0), before and after a first init', () => {
    const before = replay(ONE, [ALLOC, { type: 'INIT_NULL_NAME', dev: 0 }]);
    expect(last(before).returned).toBe(-22);
    expect(codes(last(before))).toEqual([]);
    expect(last(before).context.devices[0]!.hasTag('refcounted')).toBe(false);
    const after = replay(ONE, [ALLOC, INIT, { type: 'INIT_NULL_NAME', dev: 0 }]);
    // The name check comes before device_initialize: no double-init (B17) on an initialized device.
    expect(last(after).returned).toBe(-22);
    expect(codes(last(after))).toEqual([]);
    expect(refcount(last(after).context.devices[0]!.context)).toBe(1);
  });

  it('§1.3: add with a NULL modname returns -EINVAL and the device is not on the bus; only uninit remains (a delete is B8)', () => {
    const s = replay(ONE, [ALLOC, INIT, { type: 'ADD_NULL_MODNAME', dev: 0 }]);
    expect(last(s).returned).toBe(-22);
    expect(last(s).context.onBus[0]).toBe(false);
    expect(codes(last(replay(ONE, [ALLOC, INIT, { type: 'ADD_NULL_MODNAME', dev: 0 }, { type: 'DELETE', dev: 0 }])))).toEqual(['delete-unadded']);
  });

  it('model.md §4.4: writing adev->id of a live device gives it the id the code holds; on a freed container it is use-after-release and moves nothing', () => {
    const live = replay(ONE, [{ type: 'IDA_ALLOC', dev: 0, fail: false }, ALLOC, { type: 'WRITE_ID', dev: 0 }]);
    expect(codes(last(live))).toEqual([]);
    const dead = replay(ONE, [ALLOC, { type: 'KFREE', dev: 0 }, { type: 'IDA_ALLOC', dev: 0, fail: false }, { type: 'WRITE_ID', dev: 0 }]);
    expect(codes(last(dead))).toEqual(['use-after-release']);
    // The id stayed the code's: freeing it by the saved value is fine (no B4 for a stolen id).
    const world = createWorld(ONE);
    const freed = world.transition(last(dead), { type: 'IDA_FREE', dev: 0, via: 'saved' }, undefined as never);
    expect(codes(freed)).toEqual([]);
    expect(freed.context.ida.set.size).toBe(0);
  });

  it('§3.6 B12: a release pointer set to NULL after init makes the last put missing-release; set back, the put releases once', () => {
    const none = replay(ONE, [ALLOC, INIT, { type: 'SET_RELEASE', dev: 0, present: false }, { type: 'UNINIT', dev: 0 }]);
    expect(codes(last(none))).toEqual(['missing-release']);
    const back = replay(ONE, [ALLOC, INIT, { type: 'SET_RELEASE', dev: 0, present: false }, { type: 'SET_RELEASE', dev: 0, present: true }, { type: 'UNINIT', dev: 0 }]);
    expect(codes(last(back))).toEqual([]);
    expect(last(back).context.devices[0]!.hasTag('freed')).toBe(true);
  });

  it('§4: ida_free(-1) returns at once, on an empty IDA and on one in use; nothing changes and nothing is reported', () => {
    const empty = replay(ONE, [{ type: 'IDA_FREE_NEGATIVE' }]);
    expect(codes(last(empty))).toEqual([]);
    const inUse = replay(ONE, [{ type: 'IDA_ALLOC', dev: 0, fail: false }, { type: 'IDA_FREE_NEGATIVE' }]);
    expect(codes(last(inUse))).toEqual([]);
    expect(last(inUse).context.ida.set.size).toBe(1);
  });

  it('§4: ida_alloc_range(max + 1, max) finds no id: -ENOSPC, the IDA stays empty', () => {
    const s = last(replay(ONE, [{ type: 'IDA_ALLOC_EMPTY_RANGE', dev: 0 }]));
    expect(s.returned).toBe(-28);
    expect(s.context.ida.set.size).toBe(0);
    expect(s.context.ids[0]).toBe(-1);
  });

  it('§4, B4: ida_destroy drops every id without a WARN; the code\'s later ida_free of its id is then ida-double-free', () => {
    const s = replay(ONE, [{ type: 'IDA_ALLOC', dev: 0, fail: false }, { type: 'IDA_DESTROY' }, { type: 'IDA_FREE', dev: 0, via: 'saved' }]);
    expect(codes(s[1]!)).toEqual([]);
    expect(s[1]!.context.ida.set.size).toBe(0);
    expect(codes(s[2]!)).toEqual(['ida-double-free']);
  });

  it('§1.9 B13: registering a driver with no probe or no id_table is driver-incomplete, -EINVAL, and leaves it unregistered', () => {
    for (const missing of ['probe', 'id_table'] as const) {
      const s = last(replay(ONE, [{ type: 'DRV_REGISTER_INCOMPLETE', drv: 0, missing }]));
      expect(codes(s), missing).toEqual(['driver-incomplete']);
      expect(s.returned).toBe(-22);
      expect(s.context.drivers[0]!.hasTag('registered')).toBe(false);
    }
  });

  it('§1.9: a driver registered under the name of a registered driver gets -EBUSY and stays unregistered; under a free name it registers', () => {
    const taken = last(replay(ONE, [{ type: 'DRV_REGISTER', drv: 0, fault: 'none' }, { type: 'DRV_REGISTER_AS', drv: 1, as: 0 }]));
    expect(taken.returned).toBe(-16);
    expect(codes(taken)).toEqual([]);
    expect(taken.context.drivers[1]!.hasTag('registered')).toBe(false);
    const free = last(replay(ONE, [{ type: 'DRV_REGISTER_AS', drv: 1, as: 0 }]));
    expect(free.returned).toBe(0);
    expect(free.context.drivers[1]!.hasTag('registered')).toBe(true);
  });

  it('§1.9: a register whose name allocation fails (name-nomem) returns -ENOMEM and registers nothing, as register-nomem does', () => {
    for (const fault of ['name-nomem', 'register-nomem'] as const) {
      const s = last(replay({ ...ONE, faults: true }, [{ type: 'DRV_REGISTER', drv: 0, fault }]));
      expect(s.returned, fault).toBe(-12);
      expect(s.context.drivers[0]!.hasTag('registered')).toBe(false);
    }
  });

  it('model.md §4.1: a call the release makes on its own device while it runs is use-after-release; on a container freed before a deferred release ran it adds nothing (its free is the root cause, B18)', () => {
    const at = replay({ devices: 1, release: { calls: 'get_device' } }, [ALLOC, INIT, { type: 'UNINIT', dev: 0 }]);
    expect(codes(last(at))).toEqual(['use-after-release']);
    expect(last(at).context.devices[0]!.hasTag('freed')).toBe(true);
    const late = replay({ devices: 1, release: { calls: 'get_device' }, deferredRelease: true }, [ALLOC, INIT, { type: 'UNINIT', dev: 0 }, { type: 'KFREE', dev: 0 }, { type: 'RELEASE', dev: 0 }]);
    expect(codes(last(late))).toEqual(['double-free']);
    // Without the call, the same world's release is clean.
    expect(codes(last(replay({ devices: 1 }, [ALLOC, INIT, { type: 'UNINIT', dev: 0 }])))).toEqual([]);
  });

  it('§1.2: devres frees a devm container before init with no finding; after init, while the device holds it, it is free-outside-release (B18); a devm container is never a memory-leak at the end', () => {
    const DEVM: WorldEvent = { type: 'KZALLOC_DEVM', dev: 0 };
    const p = { devices: 1, release: { freesContainer: false } };
    expect(codes(last(replay(p, [DEVM, { type: 'DEVRES_FREE', dev: 0 }])))).toEqual([]);
    expect(codes(last(replay(p, [DEVM, INIT, { type: 'DEVRES_FREE', dev: 0 }])))).toEqual(['free-outside-release']);
    expect(codes(last(replay(p, [DEVM, { type: 'END' }])))).toEqual([]);
    expect(codes(last(replay(p, [ALLOC, { type: 'END' }])))).toEqual(['memory-leak']);
  });
});
