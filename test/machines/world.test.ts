/**
 * The composed world (machines/world): devices, one IDA and drivers, explored with xstate/graph.
 *
 * Each world's adjacency map is generated once with `getAdjacencyMap` and the options of
 * `worldTraversal`; paths are the shortest ones (breadth-first over that map) to the first edge
 * that shows the behaviour, and every path is then replayed from the initial state with the
 * world's own pure `transition` so that the assertions read the findings and return values of
 * the replay, not of the search. Worlds are kept small (one or two devices, one or two ids).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getAdjacencyMap, type AdjacencyValue } from 'xstate/graph';
import { transition as machineTransition } from 'xstate';
import {
  createWorld, deviceMachine, serializeWorld,
  type DeviceSnapshot, type WorldEvent, type WorldFinding, type WorldLogic, type WorldParamsInput, type WorldSnapshot,
} from '../../machines/index.js';
import { worldTraversal } from '../../src/paths/traversal.js';

interface Edge {
  from: WorldSnapshot;
  event: WorldEvent;
  to: WorldSnapshot;
}

interface ReplayStep {
  event: WorldEvent;
  before: WorldSnapshot;
  after: WorldSnapshot;
  findings: WorldFinding[];
  returned: number | undefined;
}

interface Explored {
  world: WorldLogic;
  states: number;
  /** Every edge, in breadth-first order of its source state. */
  edges: () => Generator<Edge>;
  /** The events of the shortest path whose last step is the first edge (BFS order) satisfying `pred`. */
  pathTo: (pred: (e: Edge) => boolean) => WorldEvent[] | undefined;
  /** Steps the events through the world's pure transition from its initial state. */
  replay: (events: readonly WorldEvent[]) => ReplayStep[];
}

function explore(params: WorldParamsInput): Explored {
  const world = createWorld(params);
  // Keyed by the serialized state, which is a branded string in the typings.
  const adj = getAdjacencyMap(world, worldTraversal(world)) as unknown as Record<string, AdjacencyValue<WorldSnapshot, WorldEvent>>;
  const initial = () => world.getInitialSnapshot(undefined as never, undefined);
  const initKey = serializeWorld(initial());
  const parent = new Map<string, { key: string; event: WorldEvent } | null>([[initKey, null]]);
  const order = [initKey];
  for (let i = 0; i < order.length; i++) {
    const key = order[i]!;
    for (const t of Object.values(adj[key]!.transitions)) {
      const next = serializeWorld(t.state);
      if (!parent.has(next)) {
        parent.set(next, { key, event: t.event });
        order.push(next);
      }
    }
  }
  const eventsTo = (key: string): WorldEvent[] => {
    const out: WorldEvent[] = [];
    for (let p = parent.get(key); p; p = parent.get(p.key)) out.unshift(p.event);
    return out;
  };
  function* edges(): Generator<Edge> {
    for (const key of order) {
      const from = adj[key]!.state;
      for (const t of Object.values(adj[key]!.transitions)) yield { from, event: t.event, to: t.state };
    }
  }
  const pathTo = (pred: (e: Edge) => boolean) => {
    for (const key of order) {
      const from = adj[key]!.state;
      for (const t of Object.values(adj[key]!.transitions)) {
        if (pred({ from, event: t.event, to: t.state })) return [...eventsTo(key), t.event];
      }
    }
    return undefined;
  };
  const replay = (events: readonly WorldEvent[]) => {
    let s = initial();
    return events.map((event) => {
      const before = s;
      s = world.transition(s, event, undefined as never);
      return { event, before, after: s, findings: s.findings, returned: s.returned };
    });
  };
  return { world, states: order.length, edges, pathTo, replay };
}

// ---- reading a world state ----------------------------------------------------------------
const device = (s: WorldSnapshot, i: number): DeviceSnapshot | null => s.context.devices[i] ?? null;
const isDead = (s: WorldSnapshot, i: number) => device(s, i)?.hasTag('dead') === true;
const isLive = (s: WorldSnapshot, i: number) => device(s, i)?.hasTag('live') === true;
const idaIds = (s: WorldSnapshot) => s.context.ida.set.ids;
/** `adev->id`: the id the code wrote into the device, or 0 as kzalloc left it (§1.3 name `mod.name.id`). */
const idField = (s: WorldSnapshot, i: number) => Math.max(s.context.ids[i]!, 0);
/** The device's count reached 0 through puts, with no finding against it: its release callback ran. */
const wasReleased = (s: WorldSnapshot, i: number) => {
  const d = device(s, i);
  return d !== null && d.hasTag('dead') && d.context.put && !d.context.flagged;
};
const codes = (fs: readonly WorldFinding[]) => fs.map((f) => f.code);
const devOf = (e: WorldEvent) => ('dev' in e ? e.dev : -1);
/** The step ran the device's release callback: it went from refcounted to dead with no B1/B12 finding. */
const releasedAt = (e: Edge | ReplayStep, i: number) => {
  const from = 'from' in e ? e.from : e.before;
  const to = 'to' in e ? e.to : e.after;
  const fs = 'to' in e ? e.to.findings : e.findings;
  return (
    device(from, i)?.hasTag('refcounted') === true &&
    isDead(to, i) &&
    !fs.some((f) => f.dev === i && (f.code === 'free-after-init' || f.code === 'free-outside-release' || f.code === 'missing-release'))
  );
};

describe('world: two devices sharing an IDA of two ids, release frees id and container', () => {
  let w: Explored;
  beforeAll(() => {
    w = explore({ devices: 2, idaRange: { min: 0, max: 1 } });
  });

  it('B4: a generated path reaches ida-free-reallocated: the release frees the id, the other device gets it, the first device\'s error path frees it again', () => {
    const events = w.pathTo(
      (e) =>
        e.event.type === 'IDA_FREE' &&
        wasReleased(e.from, e.event.dev) &&
        e.to.findings.some((f) => f.code === 'ida-free-reallocated' && f.dev === devOf(e.event)),
    );
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    const x = devOf(last.event);
    const y = 1 - x;
    const id = last.before.context.ids[x]!;
    // 1. x's release freed its id (the IDA held it before that step and not after).
    const r = steps.findIndex((s) => releasedAt(s, x));
    expect(r).toBeGreaterThanOrEqual(0);
    expect(idaIds(steps[r]!.before)).toContain(id);
    expect(idaIds(steps[r]!.after)).not.toContain(id);
    // 2. Later the other device was handed the same id: lowest free first (§4).
    const a = steps.findIndex((s, k) => k > r && s.event.type === 'IDA_ALLOC' && s.event.dev === y);
    expect(a).toBeGreaterThan(r);
    expect(steps[a]!.returned).toBe(id);
    // 3. x frees its stale copy: reported at that step, against x, and nothing before it.
    expect(last.findings).toEqual([expect.objectContaining({ code: 'ida-free-reallocated', dev: x })]);
    expect(steps.slice(0, -1).flatMap((s) => s.findings)).toEqual([]);
    // model.md §4.2: the kernel really frees y's id; y (its device, or the code that allocated
    // the id for it before any kzalloc, §4.4) still holds it and is not dead.
    expect(idaIds(last.after)).not.toContain(id);
    expect(last.after.context.ids[y]).toBe(id);
    expect(isDead(last.after, y)).toBe(false);
  });

  it('B4: a generated path reaches ida-double-free: the release freed the id and the error path frees it again; the IDA is unchanged by the second free', () => {
    const events = w.pathTo(
      (e) =>
        e.event.type === 'IDA_FREE' &&
        wasReleased(e.from, e.event.dev) &&
        e.to.findings.some((f) => f.code === 'ida-double-free' && f.dev === devOf(e.event)),
    );
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    const x = devOf(last.event);
    const id = last.before.context.ids[x]!;
    const r = steps.findIndex((s) => releasedAt(s, x));
    expect(r).toBeGreaterThanOrEqual(0);
    expect(idaIds(steps[r]!.before)).toContain(id);
    expect(idaIds(steps[r]!.after)).not.toContain(id);
    expect(codes(last.findings)).toEqual(['ida-double-free']);
    expect(steps.slice(0, -1).flatMap((s) => s.findings)).toEqual([]);
    expect(last.after.context.ida.set).toEqual(last.before.context.ida.set);
    expect(last.after.context.ida.machine.value).toEqual(last.before.context.ida.machine.value);
  });

  it('B4: a generated path reaches double-free of the container: release freed it and the error path kfrees it again', () => {
    const events = w.pathTo(
      (e) => e.event.type === 'KFREE' && wasReleased(e.from, e.event.dev) && e.to.findings.some((f) => f.code === 'double-free' && f.dev === devOf(e.event)),
    );
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    const x = devOf(last.event);
    const r = steps.findIndex((s) => releasedAt(s, x));
    expect(r).toBeGreaterThanOrEqual(0);
    expect(device(steps[r]!.after, x)!.hasTag('freed')).toBe(true);
    expect(codes(last.findings)).toEqual(['double-free']);
    expect(steps.slice(0, -1).flatMap((s) => s.findings)).toEqual([]);
  });

  it('§2.4 / B16: a generated path adds two devices with the same id: the second add returns -EEXIST (-17) and is no violation', () => {
    const events = w.pathTo(
      (e) => e.event.type === 'ADD' && device(e.from, e.event.dev)?.matches({ live: { refcounted: 'initialized' } }) === true && e.to.returned === -17,
    );
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    const x = devOf(last.event);
    const y = 1 - x;
    expect(last.returned).toBe(-17);
    expect(last.findings).toEqual([]);
    expect(steps.flatMap((s) => s.findings)).toEqual([]);
    expect(device(last.before, y)!.hasTag('onBus')).toBe(true);
    expect(idField(last.before, y)).toBe(idField(last.before, x));
    // The failed add leaves the device initialized and off the bus (§1.3: only uninit is left).
    expect(device(last.after, x)!.matches({ live: { refcounted: 'addFailed' } })).toBe(true);
    expect(device(last.after, x)!.hasTag('onBus')).toBe(false);
  });

  it('§2.4 / B16: in every state, a first add returns -EEXIST exactly when another added device has the same id, otherwise 0; never a violation; a deleted device frees its name', () => {
    const seen = { eexist: 0, ok: 0, reuseAfterDelete: 0 };
    for (const e of w.edges()) {
      // The world's bus list agrees with the devices themselves while no memory dangles (§3.5, §3.7).
      for (let i = 0; i < 2; i++) {
        if (isLive(e.from, i)) expect(e.from.context.onBus[i]).toBe(device(e.from, i)!.hasTag('onBus'));
      }
      if (e.event.type !== 'ADD') continue;
      const x = e.event.dev;
      if (!device(e.from, x)?.matches({ live: { refcounted: 'initialized' } })) continue;
      if ([0, 1].some((i) => isDead(e.from, i) && e.from.context.onBus[i])) continue; // a dangling B1 entry
      const y = 1 - x;
      const taken = isLive(e.from, y) && device(e.from, y)!.hasTag('onBus') && idField(e.from, y) === idField(e.from, x);
      expect(e.to.returned).toBe(taken ? -17 : 0);
      expect(e.to.findings).toEqual([]);
      if (taken) seen.eexist++;
      else seen.ok++;
      if (!taken && device(e.from, y)?.matches({ live: { refcounted: 'deleted' } }) && idField(e.from, y) === idField(e.from, x)) {
        seen.reuseAfterDelete++;
      }
    }
    expect(seen.eexist).toBeGreaterThan(0);
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.reuseAfterDelete).toBeGreaterThan(0);
  });
});

describe('world: one device and two drivers, the first one\'s probe fails (§1.8, §1.9)', () => {
  let w: Explored;
  beforeAll(() => {
    w = explore({ devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'fails' }, { probe: 'ok' }] });
  });
  const registered = (s: WorldSnapshot, d: number) => s.context.drivers[d]!.hasTag('registered');

  it('§1.8: with both drivers registered, an add tries the first (its probe fails) and binds the second: bound to driver 1, add returns 0, no violation', () => {
    const events = w.pathTo((e) => e.event.type === 'ADD' && registered(e.from, 0) && registered(e.from, 1) && device(e.from, 0)?.matches({ live: { refcounted: 'initialized' } }) === true);
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    expect(last.returned).toBe(0);
    expect(steps.flatMap((s) => s.findings)).toEqual([]);
    expect(last.after.context.boundTo).toEqual([1]);
    expect(device(last.after, 0)!.hasTag('bound')).toBe(true);
  });

  it('§1.8: a driver registered after the device was added probes and binds it; a driver whose probe fails leaves it added and unbound, and its register still returns 0', () => {
    const events = w.pathTo((e) => e.event.type === 'DRV_REGISTER' && e.event.drv === 1 && e.event.fault === 'none' && device(e.from, 0)?.matches({ live: { refcounted: { added: 'unbound' } } }) === true);
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    expect(last.returned).toBe(0);
    expect(last.after.context.boundTo).toEqual([1]);
    expect(device(last.after, 0)!.hasTag('bound')).toBe(true);
    let failing = 0;
    for (const e of w.edges()) {
      if (e.event.type !== 'DRV_REGISTER' || e.event.drv !== 0 || e.event.fault !== 'none') continue;
      if (!device(e.from, 0)?.matches({ live: { refcounted: { added: 'unbound' } } }) || registered(e.from, 0)) continue;
      failing++;
      expect(e.to.returned).toBe(0);
      expect(e.to.findings).toEqual([]);
      expect(e.to.context.boundTo).toEqual([-1]);
      expect(device(e.to, 0)!.matches({ live: { refcounted: { added: 'unbound' } } })).toBe(true);
    }
    expect(failing).toBeGreaterThan(0);
  });

  it('§1.8: in every state a live device is bound exactly when boundTo names a driver, and only ever to the registered driver whose probe succeeds', () => {
    let bound = 0;
    for (const e of w.edges()) {
      const s = e.to;
      if (!isLive(s, 0)) continue;
      const b = s.context.boundTo[0]!;
      expect(b !== -1).toBe(device(s, 0)!.hasTag('bound'));
      if (b !== -1) {
        bound++;
        expect(b).toBe(1);
        expect(registered(s, 1)).toBe(true);
      }
    }
    expect(bound).toBeGreaterThan(0);
  });

  it('§1.9: unregistering the bound driver runs remove (boundTo back to -1, the device stays added); a later delete does not run remove again', () => {
    const events = w.pathTo((e) => e.event.type === 'DRV_UNREGISTER' && e.event.drv === 1 && device(e.from, 0)?.hasTag('bound') === true);
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    const last = steps[steps.length - 1]!;
    expect(last.findings).toEqual([]);
    expect(last.after.context.boundTo).toEqual([-1]);
    expect(device(last.after, 0)!.matches({ live: { refcounted: { added: 'unbound' } } })).toBe(true);
    // The device's DELETE from here names no driverRemove effect, while from the bound state it does.
    const effects = (d: DeviceSnapshot) =>
      (machineTransition(deviceMachine, d, { type: 'DELETE' })[1] as Array<{ type: string }>).map((a) => a.type);
    expect(effects(device(last.before, 0)!)).toContain('driverRemove');
    expect(effects(device(last.after, 0)!)).not.toContain('driverRemove');
    const del = w.world.transition(last.after, { type: 'DELETE', dev: 0 }, undefined as never);
    expect(del.findings).toEqual([]);
    expect(del.context.boundTo).toEqual([-1]);
    expect(device(del, 0)!.matches({ live: { refcounted: 'deleted' } })).toBe(true);
  });
});

/** Expected end-check id findings in a one-device world (model.md §4.3): the id still in the IDA, unless its device has a finding. */
function checkIdLeaksAtEnd(w: Explored) {
  const seen = { leak: 0, excused: 0 };
  for (const e of w.edges()) {
    if (e.event.type !== 'END') continue;
    const held = idaIds(e.from);
    const d = device(e.from, 0);
    const deviceReported = (d?.context.flagged ?? false) || e.to.findings.some((f) => f.dev === 0 && f.code !== 'id-leak');
    // An id the code allocated but never set on a device belongs to the code (§4.4): always reported.
    const owned = d !== null;
    const expected = held.length > 0 && !(owned && deviceReported) ? held : [];
    const got = e.to.findings.filter((f) => f.code === 'id-leak').flatMap((f) => f.ids ?? []);
    expect(got).toEqual(expected);
    if (expected.length > 0) seen.leak++;
    else if (held.length > 0) seen.excused++;
  }
  return seen;
}

describe('world: release effects on the id (§2.3, B5, model.md §4.3)', () => {
  let frees: Explored;
  let keeps: Explored;
  beforeAll(() => {
    frees = explore({ devices: 1, idaRange: { min: 0, max: 0 } });
    keeps = explore({ devices: 1, idaRange: { min: 0, max: 0 }, release: { freesId: false } });
  });

  it('§2.3: with release.freesId the id goes back to the IDA at the final put, not before', () => {
    const events = frees.pathTo((e) => e.event.type === 'UNINIT' && device(e.from, 0)?.matches({ live: { refcounted: 'deleted' } }) === true && idaIds(e.from).length > 0 && releasedAt(e, 0));
    expect(events).toBeDefined();
    const steps = frees.replay(events!);
    const id = steps[steps.length - 1]!.before.context.ids[0]!;
    const allocatedAt = steps.findIndex((s) => s.event.type === 'IDA_ALLOC');
    for (const [k, s] of steps.entries()) {
      if (k >= allocatedAt && k < steps.length - 1) expect(idaIds(s.after)).toContain(id);
    }
    expect(idaIds(steps[steps.length - 1]!.after)).not.toContain(id);
    expect(steps.flatMap((s) => s.findings)).toEqual([]);
    let releases = 0;
    for (const e of frees.edges()) {
      if (!releasedAt(e, 0) || !idaIds(e.from).includes(e.from.context.ids[0]!)) continue;
      releases++;
      expect(idaIds(e.to)).not.toContain(e.from.context.ids[0]);
    }
    expect(releases).toBeGreaterThan(0);
  });

  it('B5: without release.freesId the release leaves the id allocated and END reports id-leak for it, and nothing else', () => {
    let releases = 0;
    for (const e of keeps.edges()) {
      if (!releasedAt(e, 0) || !idaIds(e.from).includes(e.from.context.ids[0]!)) continue;
      releases++;
      expect(idaIds(e.to)).toContain(e.from.context.ids[0]);
    }
    expect(releases).toBeGreaterThan(0);
    const events = keeps.pathTo((e) => e.event.type === 'END' && isDead(e.from, 0) && !device(e.from, 0)!.context.flagged && codes(e.to.findings).includes('id-leak'));
    expect(events).toBeDefined();
    const steps = keeps.replay(events!);
    expect(steps.flatMap((s) => s.findings)).toEqual([{ code: 'id-leak', ids: [steps[steps.length - 1]!.before.context.ids[0]] }]);
  });

  it('model.md §4.3: at END an id is reported exactly when it is still allocated and its device has no finding (both release behaviours)', () => {
    for (const w of [frees, keeps]) {
      const seen = checkIdLeaksAtEnd(w);
      expect(seen.leak).toBeGreaterThan(0);
      expect(seen.excused).toBeGreaterThan(0);
    }
  });
});

describe('world: end check after an add failure (B3) and without a release callback (B12)', () => {
  it('B3 (model.md §4.3): an add failure with no uninit is leak-initialized at END and nothing else (no id-leak, no memory-leak)', () => {
    const w = explore({ devices: 1, idaRange: { min: 0, max: 0 }, faults: true });
    const events = w.pathTo((e) => e.event.type === 'END' && idaIds(e.from).length > 0 && device(e.from, 0)?.matches({ live: { refcounted: 'addFailed' } }) === true);
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    expect(steps.some((s) => s.event.type === 'ADD' && s.returned !== undefined && s.returned < 0)).toBe(true);
    expect(steps.flatMap((s) => s.findings)).toEqual([{ code: 'leak-initialized', dev: 0 }]);
    let ends = 0;
    for (const e of w.edges()) {
      if (e.event.type !== 'END') continue;
      const d = device(e.from, 0);
      if (!d?.matches({ live: { refcounted: 'addFailed' } }) || d.context.flagged || d.context.put) continue;
      ends++;
      expect(e.to.findings).toEqual([{ code: 'leak-initialized', dev: 0 }]);
    }
    expect(ends).toBeGreaterThan(0);
    expect(checkIdLeaksAtEnd(w).excused).toBeGreaterThan(0);
  });

  it('B12 (model.md §4.3): with release.present false the final put reports missing-release, and END reports no memory-leak (nor id-leak) for that device', () => {
    const w = explore({ devices: 1, idaRange: { min: 0, max: 0 }, release: { present: false } });
    const events = w.pathTo((e) => e.event.type === 'END' && idaIds(e.from).length > 0 && device(e.from, 0)?.matches({ dead: 'released' }) === true);
    expect(events).toBeDefined();
    const steps = w.replay(events!);
    expect(steps.flatMap((s) => s.findings)).toEqual([{ code: 'missing-release', dev: 0 }]);
    let ends = 0;
    let warned = 0;
    for (const e of w.edges()) {
      if (codes(e.to.findings).includes('missing-release')) {
        warned++;
        // The kernel WARNs at the final put (§3.6): the count reached 0 there.
        expect(device(e.to, 0)!.matches({ dead: 'released' })).toBe(true);
        expect(idaIds(e.to)).toEqual(idaIds(e.from)); // no release callback ran, so nothing freed the id
      }
      if (e.event.type !== 'END' || !device(e.from, 0)?.matches({ dead: 'released' })) continue;
      ends++;
      expect(codes(e.to.findings)).not.toContain('memory-leak');
      expect(codes(e.to.findings)).not.toContain('id-leak');
    }
    expect(warned).toBeGreaterThan(0);
    expect(ends).toBeGreaterThan(0);
  });
});
