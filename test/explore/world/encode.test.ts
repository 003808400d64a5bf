/**
 * The explorer's packed states and remembered steps against the world's own step: fields that
 * widen as interned states grow in number lose nothing; END composed from remembered device and
 * IDA END steps, and every other remembered step (slot calls per projection, driver calls per
 * world), give what the world's step gives on every reachable state.
 */
import { describe, expect, it } from 'vitest';
import { getAdjacencyMap } from 'xstate/graph';
import { createWorld, resolveWorldParams, stepWorld, type WorldParamsInput } from '../../../machines/index.js';
import { ANY_CALL, exploreWorld, routineCode } from '../../../src/explore/world/index.js';
import { InternedComponents } from '../../../src/explore/world/components.js';
import { WorldCodec } from '../../../src/explore/world/encode.js';
import { enabled } from '../../../src/explore/world/explore.js';
import { Store } from '../../../src/explore/world/store.js';
import { worldTraversal } from '../../../src/paths/traversal.js';

describe('packed states whose fields widen', () => {
  // refBound 4 gives more device states than the device field first holds.
  const WIDENING: WorldParamsInput = { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 4 };

  it('a world whose device states outgrow the first field width: re-packed, and still exactly the states xstate/graph reaches', () => {
    const x = exploreWorld(WIDENING, { symmetry: false });
    expect(x.internals.codec.version).toBeGreaterThan(0);
    const world = createWorld(WIDENING);
    expect(x.states).toBe(Object.keys(getAdjacencyMap(world, worldTraversal(world))).length);
    // Every stored state decodes and packs back to its own words.
    const { codec, store } = x.internals;
    const out = new Uint32Array(codec.maxWords);
    for (let n = 0; n < store.size; n++) {
      codec.encode(codec.decode(store.chunk(n), store.offset(n)), out);
      expect([...out.subarray(0, codec.words)]).toEqual([...store.chunk(n).subarray(store.offset(n), store.offset(n) + codec.words)]);
    }
  });

  it('widening the IDA field re-packs every stored state (numbers, links and contents unchanged)', () => {
    const params = resolveWorldParams({ devices: 3, idaRange: { min: 0, max: 2 } });
    const comps = new InternedComponents();
    const codec = new WorldCodec(params, comps, ANY_CALL, false);
    const store = new Store(codec.words, 3);
    codec.onRelayout = (old) => store.relayout(codec.words, (data, n, out) => codec.convert(old, data, n, out));
    const raw = codec.emptyRaw();
    const key = new Uint32Array(codec.maxWords);
    const kept: Array<{ slots: number[]; ida: number; ended: number }> = [];
    for (let n = 0; n < 40; n++) {
      raw.slots.set([n % 7, (n * 3) % 5, n % 2]);
      raw.ida = n;
      raw.ended = n % 2;
      codec.writeRaw(raw, key);
      store.insert(key, n - 1, n % 3, -1);
      kept.push({ slots: [...raw.slots], ida: raw.ida, ended: raw.ended });
    }
    const before = codec.version;
    codec.fit(0, 5000);
    expect(codec.version).toBe(before + 1);
    expect(codec.idaMask).toBeGreaterThanOrEqual(5000);
    expect(store.size).toBe(40);
    kept.forEach((k, n) => {
      codec.readRaw(store.chunk(n), store.offset(n), raw);
      expect({ slots: [...raw.slots], ida: raw.ida, ended: raw.ended }).toEqual(k);
      expect(store.parent(n)).toBe(n - 1);
      expect(store.event(n)).toBe(n % 3);
      codec.writeRaw(raw, key);
      expect(store.has(key)).toBe(true);
    });
  });
});

describe('END composed from remembered component steps', () => {
  const cases: Array<[string, WorldParamsInput, boolean]> = [
    ['two devices, faults, a driver, release frees no id', { devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }], release: { freesId: false } }, true],
    ['two devices, no release callback, a failing driver', { devices: 2, idaRange: { min: 1, max: 2 }, release: { present: false }, drivers: [{ probe: 'fails' }] }, false],
  ];

  it.each(cases)('%s: every reachable state\'s END through the world\'s step is a stored state, and the clean ENDs are counted right', (_name, input, symmetry) => {
    const x = exploreWorld(input, { symmetry });
    expect(x.complete).toBe(true);
    const { codec, store, comps, params } = x.internals;
    const key = new Uint32Array(codec.maxWords);
    let clean = 0;
    for (let n = 0; n < store.size; n++) {
      const s = codec.decode(store.chunk(n), store.offset(n));
      if (s.world.ended) continue;
      const r = stepWorld(comps.world, params, s.world, { type: 'END' });
      if (r.findings.length === 0) clean++;
      codec.encode({ world: r.state, code: s.code }, key);
      expect(store.has(key.subarray(0, codec.words))).toBe(true);
    }
    expect(x.cleanEnds).toBe(clean);
  });

  it('with a routine running each slot (END offered only at rest) the counts agree too', () => {
    const x = exploreWorld({ devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }] }, {}, routineCode('kfree-after-uninit'));
    const { codec, store, comps, params, code } = x.internals;
    let clean = 0;
    for (let n = 0; n < store.size; n++) {
      const s = codec.decode(store.chunk(n), store.offset(n));
      if (s.world.ended || !code.sharedCalls(s.code, [{ type: 'END' }]).length) continue;
      if (stepWorld(comps.world, params, s.world, { type: 'END' }).findings.length === 0) clean++;
    }
    expect(x.cleanEnds).toBe(clean);
  });
});

describe('every remembered step against the world\'s own step', () => {
  // [name, world, symmetry reduction, code, check every n-th state]
  const cases: Array<[string, WorldParamsInput, boolean, 'any' | 'routine', number]> = [
    ['any call, two devices, a driver', { devices: 2, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' }] }, false, 'any', 1],
    ['any call, two devices, a failing driver, release keeps the container, symmetry reduction', { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'fails' }], release: { freesContainer: false } }, true, 'any', 1],
    ['any call, three devices, symmetry reduction (every 10th state)', { devices: 3, idaRange: { min: 0, max: 0 } }, true, 'any', 10],
    ['the routine, two devices, a driver, faults, symmetry reduction', { devices: 2, idaRange: { min: 0, max: 1 }, faults: true, drivers: [{ probe: 'ok' }] }, true, 'routine', 1],
  ];

  it.each(cases)('%s: each event of each reachable state, stepped by the world\'s step, leads to a stored state', (_name, input, symmetry, which, every) => {
    const x = exploreWorld(input, { symmetry }, which === 'any' ? ANY_CALL : routineCode());
    expect(x.complete).toBe(true);
    const { codec, store, comps, params, code } = x.internals;
    const key = new Uint32Array(codec.maxWords);
    let steps = 0;
    for (let n = 0; n < store.size; n += every) {
      const s = codec.decode(store.chunk(n), store.offset(n));
      for (const event of enabled(x.internals, s)) {
        const r = stepWorld(comps.world, params, s.world, event);
        codec.encode({ world: r.state, code: code.after(s.code, event, r.returned) }, key);
        expect(store.has(key.subarray(0, codec.words))).toBe(true);
        steps++;
      }
    }
    if (every === 1) expect(steps).toBe(x.transitions);
    else expect(steps).toBeGreaterThan(x.transitions / every / 2);
  });
});
