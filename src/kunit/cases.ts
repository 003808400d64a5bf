import { createWorld, resolveWorldParams, type ReleaseCall, type WorldEvent, type WorldParams, type WorldParamsInput } from '../../machines/index.js';
import { suiteCoverage } from './coverage.js';
import { exploreWorld } from '../explore/world/explore.js';
import { worldTestPaths } from '../explore/world/paths.js';
import type { KunitCase, KunitSuite } from './types.js';
import { cleanTeardown, predictSteps, replayWorld } from './predict.js';
import { DEFAULT_SWEEPS, kunitSweeps, type SweepSpec } from './sweep.js';
import { kunitViolations, VIOLATION_WORLDS } from './violations.js';
import { extraPaths, givenPath } from './extra.js';
import { kunitExamples } from './examples.js';
import { EXAMPLES } from '../../examples/index.js';
import type { AnyScenario } from '../explore/routine/scenario.js';

/**
 * The worlds the default suite runs: two devices sharing a two-id IDA, a driver that binds and one
 * whose probe fails, two references; the release callback frees the container and, in the second
 * world, not the id (the code frees it after uninit, as most drivers do).
 */
export const DEFAULT_KUNIT_WORLDS: readonly WorldParamsInput[] = Object.freeze([
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }, { probe: 'fails' }], refBound: 2, release: { present: true, freesContainer: true, freesId: true } },
  { devices: 2, idaRange: { min: 0, max: 1 }, drivers: [{ probe: 'ok' }], refBound: 2, release: { present: true, freesContainer: true, freesId: false } },
  // More devices than ids: the second ida_alloc_range finds the range full (-ENOSPC, §4).
  { devices: 2, idaRange: { min: 0, max: 0 }, refBound: 1 },
  // Release deferred (model.md §4.6): the release has not run when the last put returns, and runs
  // when the kernel's delayed cleanup does; booted with CONFIG_DEBUG_KOBJECT_RELEASE.
  { devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' }], refBound: 2, deferredRelease: true },
]);

/**
 * The worlds the extra calls are tried in (calls no explorer offers: a NULL name, ida_destroy,
 * an incomplete driver, devm containers, ...): one device and id, two drivers, so a driver can
 * take the other's name; then a release that leaves the container to devres.
 */
export const EXTRA_WORLDS: readonly WorldParamsInput[] = Object.freeze([
  { devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' }, { probe: 'ok' }], refBound: 2 },
  // A devm container (devres frees it), with release at the last put and deferred.
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 1, release: { freesContainer: false } },
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 1, release: { freesContainer: false }, deferredRelease: true },
  // A deferred release that kfree()s a devm container devres freed before it ran (B4 and B18).
  { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 1, deferredRelease: true },
]);

/**
 * The worlds searched last, for what only a path through a misuse reaches (a put the caller no
 * longer holds, a delete after it, a kfree after it): the misuses on the way must be ones the
 * kernel carries on after (silent, or a WARN); the case is judged by the first the kernel shows.
 * With and without a release callback.
 */
export const AFTER_MISUSE_WORLDS: readonly WorldParamsInput[] = Object.freeze([
  { devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' }], refBound: 2 },
  { devices: 1, idaRange: { min: 0, max: 0 }, drivers: [{ probe: 'ok' }], refBound: 2, release: { present: false, freesContainer: false } },
]);

/**
 * Paths given whole, for a transition too deep for the search: a stale ida_free of an id handed out
 * again to another device while a third id is in use (three slots: the IDA stays in use, B4).
 */
export const GIVEN_PATHS: ReadonlyArray<{ world: WorldParamsInput; events: WorldEvent[] }> = Object.freeze([
  {
    world: { devices: 3, idaRange: { min: 0, max: 2 } },
    events: [
      { type: 'IDA_ALLOC', dev: 0, fail: false }, { type: 'IDA_ALLOC', dev: 1, fail: false }, { type: 'IDA_FREE', dev: 0, via: 'saved' },
      { type: 'KZALLOC', dev: 2, fail: false }, { type: 'IDA_ALLOC', dev: 2, fail: false }, { type: 'IDA_FREE', dev: 0, via: 'saved' },
    ],
  },
]);

/** The device event each release call is, as transition ids name it. */
const RELEASE_CALL_EVENT: Readonly<Record<ReleaseCall, string>> = {
  get_device: 'GET', put_device: 'PUT', auxiliary_device_uninit: 'UNINIT', auxiliary_device_delete: 'DELETE',
  auxiliary_device_init: 'INIT', auxiliary_device_add: 'ADD', write_id: 'WRITE', set_release: 'SET_RELEASE',
  devm_kfree: 'DEVRES_FREE',
};

/**
 * Worlds whose release makes a call on its own device (a bug), for what a device does while its
 * release runs: at the last put, and deferred after its container was freed (the release then
 * runs on freed memory). Each is searched only for the transitions of its call.
 */
export const RELEASE_CALL_WORLDS: readonly WorldParamsInput[] = Object.freeze((Object.keys(RELEASE_CALL_EVENT) as ReleaseCall[]).flatMap((calls) => {
  // A release that devm_kfree()s its container frees it that way only: a kfree() after would be a
  // second, invalid free.
  const release = calls === 'devm_kfree' ? { calls, freesContainer: false } : { calls };
  return [
    { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 1, release },
    { devices: 1, idaRange: { min: 0, max: 0 }, refBound: 1, release, deferredRelease: true },
  ];
}));

/** The transitions a release-call world is searched for: its call while the release runs. */
function releaseCallTargets(w: WorldParamsInput): (t: string) => boolean {
  const event = w.release?.calls === undefined ? undefined : RELEASE_CALL_EVENT[w.release.calls];
  return (t) => event !== undefined && (t.includes(`releasing:${event}#`) || t.includes(`lateRelease:${event}#`));
}

/** Where the suite looks for the transitions its worlds leave untaken (see src/kunit/extra.ts). */
export interface ExtraSearch {
  /** Searched with the extra calls, clean prefixes only. */
  worlds: readonly WorldParamsInput[];
  /** Searched on through misuses the kernel carries on after. */
  afterMisuse: readonly WorldParamsInput[];
  /** Worlds whose release makes a call, searched for that call's transitions only. */
  releaseCalls: readonly WorldParamsInput[];
  /** Paths given whole. */
  given: ReadonlyArray<{ world: WorldParamsInput; events: WorldEvent[] }>;
}

/** The default search: every world above. */
export const DEFAULT_EXTRA_SEARCH: ExtraSearch = Object.freeze({ worlds: EXTRA_WORLDS, afterMisuse: AFTER_MISUSE_WORLDS, releaseCalls: RELEASE_CALL_WORLDS, given: GIVEN_PATHS });

/** No extra search: the suite of its worlds' own paths, sweeps and violations. */
export const NO_EXTRA_SEARCH: ExtraSearch = Object.freeze({ worlds: [], afterMisuse: [], releaseCalls: [], given: [] });

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
export function kunitSuite(
  worlds: readonly WorldParamsInput[] = DEFAULT_KUNIT_WORLDS,
  name = 'auxbus_model',
  sweepSpecs: readonly SweepSpec[] = DEFAULT_SWEEPS,
  violationWorlds: readonly WorldParamsInput[] = VIOLATION_WORLDS,
  extra: ExtraSearch = DEFAULT_EXTRA_SEARCH,
  examples: readonly AnyScenario[] = EXAMPLES,
): KunitSuite {
  const resolved: WorldParams[] = worlds.map((w) => resolveWorldParams(w));
  const cases: KunitCase[] = [];
  const coveredImmediate = new Set<string>();
  // Worlds of deferred release cover their transitions again: there the same calls are observed
  // with the release still to come.
  const coveredDeferred = new Set<string>();
  resolved.forEach((params, w) => {
    const world = createWorld(params);
    const covered = params.deferredRelease ? coveredDeferred : coveredImmediate;
    for (const path of worldTestPaths(exploreWorld(params)).paths) {
      const fresh = path.covers.filter((t) => !covered.has(t));
      if (fresh.length === 0) continue;
      if (predictSteps(world, path.events) === null) continue;
      const s = replayWorld(world, path.events);
      const teardown = !s.context.ended ? cleanTeardown(world, s) : s.context.drivers.some((d) => d.hasTag('registered')) ? null : [];
      if (teardown === null) continue;
      const steps = predictSteps(world, [...path.events, ...teardown], path.events.length);
      if (steps === null) continue;
      // A deferred world's case is worth a boot only if it waits for a release.
      if (params.deferredRelease && !steps.some((s) => s.event.type === 'RELEASE')) continue;
      for (const t of fresh) covered.add(t);
      cases.push({ name: `w${w}_${String(cases.length).padStart(3, '0')}_${slug(fresh[0]!)}`, world: w, covers: fresh, steps });
    }
  });
  const all = [...resolved];
  const indexOf = (p: WorldParams) => {
    const i = all.findIndex((q) => JSON.stringify(q) === JSON.stringify(p));
    return i >= 0 ? i : all.push(p) - 1;
  };
  const swept = kunitSweeps(sweepSpecs);
  const sweeps = swept.sweeps.map((sw) => ({ ...sw, world: indexOf(swept.worlds[sw.world]!) }));
  const broken = kunitViolations(violationWorlds);
  const violations = broken.cases.map((v) => ({ ...v, world: indexOf(broken.worlds[v.world]!) }));
  // What the worlds' own calls leave untaken, reached with the calls no explorer offers.
  const none = { cases: [], violations: [], omitted: [] };
  const targets = new Set(suiteCoverage({ name, worlds: all, cases, sweeps, violations, examples: none, coverage: [] }).flatMap((c) => c.missing));
  const searches: Array<readonly [WorldParamsInput, boolean, (t: string) => boolean]> = [
    ...extra.worlds.map((w) => [w, false, () => true] as const),
    ...extra.afterMisuse.map((w) => [w, true, () => true] as const),
    ...extra.releaseCalls.map((w) => [w, false, releaseCallTargets(w)] as const),
  ];
  const given = extra.given.map((g) => [g.world, false, () => true, g.events] as const);
  for (const [input, afterMisuse, wanted, events] of [...searches.map((s) => [...s, undefined] as const), ...given]) {
    const params = resolveWorldParams(input);
    const found = events === undefined ? extraPaths(params, targets, afterMisuse, wanted) : givenPath(params, events, targets);
    const w = indexOf(params);
    for (const k of found.cases) cases.push({ name: `w${w}_${String(cases.length).padStart(3, '0')}_${slug(k.covers[0]!)}`, world: w, ...k });
    for (const v of found.violations) {
      const base = `v_${v.code.replace(/-/g, '_')}`;
      const n = violations.filter((u) => u.code === v.code).length;
      violations.push({ name: n === 0 ? base : `${base}_${n + 1}`, world: w, ...v });
    }
  }
  // The bundled examples' explored paths, last: they take nothing away from the search above.
  const ex = kunitExamples(examples);
  const exampleWorld = (w: number) => indexOf(ex.worlds[w]!);
  const fromExamples = {
    cases: ex.cases.map((k) => ({ ...k, world: exampleWorld(k.world) })),
    violations: ex.violations.map((v) => ({ ...v, world: exampleWorld(v.world) })),
    omitted: ex.omitted,
  };
  const suite = { name, worlds: all, cases, sweeps, violations, examples: fromExamples };
  return { ...suite, coverage: suiteCoverage({ ...suite, coverage: [] }) };
}
