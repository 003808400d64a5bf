/**
 * The fast composed-world explorer against the reference: `xstate/graph` over the XState world
 * (`createWorld`) on small models must find the same reachable states and the same violations,
 * and every counterexample the explorer prints must replay on the XState world, be as short as
 * the shortest one the reference graph has, and end in the violation it names.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getAdjacencyMap, type AdjacencyValue } from 'xstate/graph';
import {
  createWorld, serializeWorld, ParameterError,
  type ViolationCode, type WorldEvent, type WorldParamsInput, type WorldSnapshot,
} from '../../../machines/index.js';
import { exploreWorld, routineCode, worldTestPaths, type WorldExploration } from '../../../src/explore/world/index.js';
import { worldTraversal } from '../../../src/paths/traversal.js';

interface Reference {
  states: number;
  /** For each violation code: the length of the shortest path whose last step raises it. */
  shortest: Map<ViolationCode, number>;
}

type Adjacency = Record<string, AdjacencyValue<WorldSnapshot, WorldEvent>>;
const adjacencies = new Map<string, Adjacency>();

/** xstate/graph's adjacency map of the XState world (computed once per model: it is the slow part). */
function adjacency(params: WorldParamsInput): Adjacency {
  const key = JSON.stringify(params);
  let adj = adjacencies.get(key);
  if (adj === undefined) {
    const world = createWorld(params);
    adj = getAdjacencyMap(world, worldTraversal(world)) as unknown as Adjacency;
    adjacencies.set(key, adj);
  }
  return adj;
}

/** Breadth-first over xstate/graph's adjacency map: reachable states and shortest violation paths. */
function reference(params: WorldParamsInput): Reference {
  const world = createWorld(params);
  const adj = adjacency(params);
  const init = serializeWorld(world.getInitialSnapshot(undefined as never, undefined));
  const depth = new Map([[init, 0]]);
  const order = [init];
  const shortest = new Map<ViolationCode, number>();
  for (let i = 0; i < order.length; i++) {
    const key = order[i]!;
    for (const t of Object.values(adj[key]!.transitions)) {
      for (const f of t.state.findings) if (!shortest.has(f.code)) shortest.set(f.code, depth.get(key)! + 1);
      const next = serializeWorld(t.state);
      if (!depth.has(next)) {
        depth.set(next, depth.get(key)! + 1);
        order.push(next);
      }
    }
  }
  return { states: Object.keys(adj).length, shortest };
}

/** Replays events on the XState world from its initial state; returns the last step's snapshot. */
function replay(params: WorldParamsInput, events: readonly WorldEvent[]): WorldSnapshot[] {
  const world = createWorld(params);
  let s = world.getInitialSnapshot(undefined as never, undefined);
  return events.map((e) => (s = world.transition(s, e, undefined as never)));
}

// Kept small: xstate/graph takes seconds per ten thousand states (larger models: npm run bench).
const TWO_DEVICES: WorldParamsInput = { devices: 2, idaRange: { min: 0, max: 1 } };
const MODELS: Array<[string, WorldParamsInput]> = [
  ['one device, one id', { devices: 1, idaRange: { min: 0, max: 0 } }],
  ['one device, two references, a failing and a working driver, faults', { devices: 1, idaRange: { min: 3, max: 3 }, refBound: 2, drivers: [{ probe: 'fails' }, { probe: 'ok' }], faults: true }],
  ['two devices sharing two ids', TWO_DEVICES],
  ['two devices, one id, release frees neither id nor container', { devices: 2, idaRange: { min: 0, max: 0 }, release: { freesId: false, freesContainer: false } }],
  // model.md §4.6: a release that waits runs at any later step (RELEASE) or before the end check.
  ['one device, one id, deferred release', { devices: 1, idaRange: { min: 0, max: 0 }, deferredRelease: true }],
  ['two devices sharing two ids, deferred release that frees only the id', { devices: 2, idaRange: { min: 0, max: 1 }, deferredRelease: true, release: { freesContainer: false } }],
  // model.md §4.1: a release that calls on its own device; an add there is made by whichever call runs the release.
  ['one device, deferred release that calls auxiliary_device_add()', { devices: 1, idaRange: { min: 0, max: 0 }, deferredRelease: true, release: { calls: 'auxiliary_device_add' } }],
  ['two devices, release that calls auxiliary_device_uninit()', { devices: 2, idaRange: { min: 0, max: 1 }, release: { calls: 'auxiliary_device_uninit' } }],
];

describe.each(MODELS)('world explorer vs xstate/graph: %s', (_name, params) => {
  let ref: Reference;
  let full: WorldExploration;
  let reduced: WorldExploration;
  beforeAll(() => {
    ref = reference(params);
    full = exploreWorld(params, { symmetry: false });
    reduced = exploreWorld(params, { symmetry: true });
  });

  it('without symmetry reduction it reaches exactly the states xstate/graph reaches', () => {
    expect(full.complete).toBe(true);
    expect(full.states).toBe(ref.states);
  });

  it('reaches the same violation codes, with and without symmetry reduction', () => {
    const codes = (x: WorldExploration) => x.violations.map((v) => v.code).sort();
    expect(codes(full)).toEqual([...ref.shortest.keys()].sort());
    expect(codes(reduced)).toEqual(codes(full));
  });

  it('every counterexample replays on the XState world, ends in its violation and is a shortest one', () => {
    for (const x of [full, reduced]) {
      for (const v of x.violations) {
        const steps = replay(params, v.path);
        expect(steps[steps.length - 1]!.findings.map((f) => f.code)).toContain(v.code);
        expect(steps[steps.length - 1]!.findings).toEqual(v.findings);
        expect(v.path.length).toBe(ref.shortest.get(v.code));
      }
    }
  });

  it('symmetry reduction keeps one state per permutation class of the device slots', () => {
    if ((params.devices ?? 1) === 1) {
      expect(reduced.states).toBe(full.states);
      return;
    }
    // Slots are interchangeable, so the classes are fewer than the states but more than states / K!.
    expect(reduced.states).toBeLessThan(full.states);
    expect(reduced.states).toBeGreaterThanOrEqual(full.states / 2);
  });
});

describe('symmetry reduction is exact', () => {
  it('two devices: the reduced count equals the number of classes of the full state set under swapping the slots', () => {
    const params = TWO_DEVICES;
    const adj = adjacency(params);
    // Swap slots 0 and 1 of an XState world state, renaming the IDA's device owner tokens (slot i owns with token i + 1).
    const swapped = (s: WorldSnapshot): string => {
      const c = s.context;
      const sw = <T>(a: T[]) => [a[1]!, a[0]!];
      const tokens = [0, 2, 1];
      return serializeWorld({
        ...s,
        context: {
          ...c,
          devices: sw(c.devices), ids: sw(c.ids), onBus: sw(c.onBus), boundTo: sw(c.boundTo),
          ida: { ...c.ida, set: c.ida.set.withOwners(tokens) },
        },
      });
    };
    const classes = new Set<string>();
    for (const key of Object.keys(adj)) {
      const other = swapped(adj[key]!.state);
      expect(adj[other]).toBeDefined(); // the swapped state is reachable too: the world is symmetric
      classes.add([key, other].sort()[0]!);
    }
    expect(exploreWorld(params, { symmetry: true }).states).toBe(classes.size);
  });
});

describe('exploration options and bad input', () => {
  it('maxStates stops the search and says it is incomplete', () => {
    const r = exploreWorld({ devices: 2, idaRange: { min: 0, max: 1 } }, { maxStates: 100 });
    expect(r.states).toBe(100);
    expect(r.complete).toBe(false);
    expect(r.stoppedBy).toBe('max-states');
  });

  it('reports progress with the queue size while it explores', () => {
    const seen: number[] = [];
    exploreWorld({ devices: 2, idaRange: { min: 0, max: 1 } }, { progressEvery: 1000, onProgress: (p) => seen.push(p.states, p.queue) });
    expect(seen.length).toBeGreaterThan(2);
    expect(seen[0]).toBeGreaterThanOrEqual(1000);
  });

  it('bad options and params are ParameterErrors naming the parameter', () => {
    expect(() => exploreWorld({ devices: 0 })).toThrow(ParameterError);
    expect(() => exploreWorld({ devices: 0 })).toThrow(/devices/);
    expect(() => exploreWorld({}, { maxStates: 0 })).toThrow(/maxStates/);
    expect(() => exploreWorld({}, { symmetry: 'yes' as never })).toThrow(/symmetry/);
    expect(() => exploreWorld({}, { onProgress: 3 as never })).toThrow(/onProgress/);
    expect(() => exploreWorld({}, null as never)).toThrow(/options/);
    expect(() => exploreWorld({}, {}, {} as never)).toThrow(/code/);
    expect(() => exploreWorld({}, { maxMemory: 2 ** 20 })).toThrow(/maxMemory/);
    expect(() => exploreWorld({}, { maxMemory: '4G' as never })).toThrow(/maxMemory/);
    expect(() => exploreWorld({}, { store: 'bitstate' as never })).toThrow(/store/);
    expect(() => exploreWorld({}, { readMemory: 5 as never })).toThrow(/readMemory/);
    // A slot's calls are decided from that slot alone, and an add reads the whole bus.
    expect(() => exploreWorld({ devices: 2, release: { calls: 'auxiliary_device_add' } })).toThrow(/release\.calls.*one device slot/);
  });
});

describe('the memory bound and hash compaction', () => {
  const worlds: Array<[string, WorldParamsInput, Parameters<typeof exploreWorld>[2]?]> = [
    ['two devices, any call', { devices: 2, idaRange: { min: 0, max: 1 } }],
    ['three devices, a driver, faults, the routine', { devices: 3, idaRange: { min: 0, max: 2 }, drivers: [{ probe: 'ok' }], faults: true }, routineCode('none')],
    ['two devices, two drivers, faults, two references, any call', { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }], faults: true, refBound: 2 }],
    ['two devices without symmetry reduction, deferred release', { devices: 2, idaRange: { min: 0, max: 1 }, deferredRelease: true }],
  ];
  for (const [what, params, code] of worlds) {
    it(`compact store (hash compaction) finds what the exact one does: ${what}`, () => {
      const symmetry = !what.includes('without symmetry');
      const exact = exploreWorld(params, { symmetry }, code);
      const compact = exploreWorld(params, { symmetry, store: 'compact' }, code);
      expect(exact).toMatchObject({ store: 'exact', compactedAt: null, missProbability: 0, complete: true });
      expect(compact).toMatchObject({ store: 'compact', compactedAt: 0, complete: true, states: exact.states, transitions: exact.transitions, cleanEnds: exact.cleanEnds });
      // The paths are replayed from the root (the words of expanded states are dropped): the same events.
      expect(compact.internals.store.first).toBeGreaterThan(0);
      expect(compact.violations).toEqual(exact.violations);
      expect(worldTestPaths(compact)).toEqual(worldTestPaths(exact));
      // Holzmann's estimate for n states and 64-bit fingerprints: n² / 2^65.
      expect(compact.missProbability).toBe(exact.states ** 2 / 2 ** 65);
    });
  }

  it('issue 16: the 6-device world stops under a 64 MiB bound, having turned compact first, with a partial result', () => {
    // A resident set that grows by 4 MiB per sample (every 1,024 states): the same stop every time.
    // (test/cli/explore-world.test.ts stops it with the real resident set, in a fresh process.)
    let samples = 0;
    const readMemory = () => 100 * 2 ** 20 + samples++ * 4 * 2 ** 20;
    const r = exploreWorld(ISSUE_16, { maxMemory: 64 * 2 ** 20, readMemory });
    expect(r).toMatchObject({ complete: false, stoppedBy: 'max-memory', store: 'compact', maxMemory: 64 * 2 ** 20, peakRss: 100 * 2 ** 20 + (samples - 1) * 4 * 2 ** 20 });
    // 0.6 of the bound (with the store's next growth) turns it compact, 0.9 stops it.
    expect(r.compactedAt).toBeGreaterThan(0);
    expect(r.compactedAt).toBeLessThan(r.states);
    expect(r.expanded % 1024).toBe(0);
    expect(r.expanded).toBeLessThanOrEqual(Math.ceil((0.9 * 64) / 4) * 1024);
    expect(r.expanded).toBeGreaterThan(Math.floor((0.6 * 64) / 4) * 1024);
    expect(r.expanded).toBeLessThan(r.states);
    expect(r.largestQueue).toBeGreaterThanOrEqual(r.states - r.expanded);
    expect(r.missProbability).toBe(r.states ** 2 / 2 ** 65);
    // The same stop again: the bound depends on what is measured, not on time.
    samples = 0;
    const again = exploreWorld(ISSUE_16, { maxMemory: 64 * 2 ** 20, readMemory });
    expect([again.states, again.expanded, again.compactedAt, again.transitions]).toEqual([r.states, r.expanded, r.compactedAt, r.transitions]);
    // What it reached is reported with paths that replay (most through states whose words were dropped).
    expect(r.violations.length).toBeGreaterThan(5);
    for (const v of r.violations) expect(replayCodes(ISSUE_16, v.path)).toContain(v.code);
  });

});

const ISSUE_16: WorldParamsInput = { devices: 6, idaRange: { min: 0, max: 15 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }, { probe: 'ok' }], refBound: 4, faults: true };

/** The codes the XState world finds at the last step of `path`. */
function replayCodes(params: WorldParamsInput, path: readonly WorldEvent[]): string[] {
  const world = createWorld(params);
  let s = world.getInitialSnapshot(undefined as never, undefined);
  for (const e of path) s = world.transition(s, e, undefined as never);
  return s.findings.map((f) => f.code);
}
