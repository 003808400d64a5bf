import { createWorld, resolveWorldParams, type WorldParams, type WorldParamsInput } from '../../machines/index.js';
import { suiteCoverage } from './coverage.js';
import { exploreWorld } from '../explore/world/explore.js';
import { worldTestPaths } from '../explore/world/paths.js';
import type { KunitCase, KunitSuite } from './types.js';
import { cleanTeardown, predictSteps, replayWorld } from './predict.js';
import { DEFAULT_SWEEPS, kunitSweeps, type SweepSpec } from './sweep.js';
import { kunitViolations, VIOLATION_WORLDS } from './violations.js';

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
  const suite = { name, worlds: all, cases, sweeps, violations };
  return { ...suite, coverage: suiteCoverage({ ...suite, coverage: [] }) };
}
