import { ParameterError, requireBool, requireInt, requireObject } from '../common/errors.js';
import { isArray } from '../common/checks.js';
import type { ReleaseCall, WorldDriver, WorldParams, WorldParamsInput } from './world.types.js';

/** Bounds past which exhaustive exploration of a world is not worth starting. */
export const WORLD_LIMITS = Object.freeze({
  devices: { min: 1, max: 6 },
  /** Ids in the world's range (M). */
  idaIds: { min: 1, max: 16 },
  drivers: { min: 0, max: 3 },
  refBound: { min: 1, max: 4 },
});

/** The default world: one device, one id, no driver, the documented release callback. */
export const DEFAULT_WORLD: Readonly<WorldParams> = Object.freeze({
  devices: 1,
  idaRange: { min: 0, max: 0 },
  drivers: [],
  refBound: 1,
  release: { present: true, freesContainer: true, freesId: true },
  faults: false,
  deferredRelease: false,
});

const known = new Set(['devices', 'idaRange', 'drivers', 'refBound', 'release', 'faults', 'deferredRelease']);
const knownRelease = new Set(['present', 'freesContainer', 'freesId', 'calls']);
const RELEASE_CALLS: readonly ReleaseCall[] = [
  'get_device', 'put_device', 'auxiliary_device_uninit', 'auxiliary_device_delete', 'auxiliary_device_init', 'auxiliary_device_add', 'write_id', 'set_release', 'devm_kfree',
];

/**
 * Validates world params and fills in defaults. Throws {@link ParameterError} naming the first
 * parameter out of its domain; the input is never modified.
 * @example resolveWorldParams({ devices: 2, idaRange: { min: 0, max: 1 } }).refBound // 1
 */
export function resolveWorldParams(input: WorldParamsInput = {}): WorldParams {
  requireObject('world params', input, 'an object such as { devices: 2, idaRange: { min: 0, max: 1 } }');
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ParameterError('world params', input, 'an object such as { devices: 2, idaRange: { min: 0, max: 1 } }');
  }
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new ParameterError(key, (input as Record<string, unknown>)[key], `no such parameter; known: ${[...known].join(', ')}`);
  }
  const lim = WORLD_LIMITS;
  const devices = requireInt('devices', input.devices ?? DEFAULT_WORLD.devices, lim.devices.min, lim.devices.max, 'larger worlds are too large to explore exhaustively');
  const idaRange = resolveRange(input.idaRange);
  const refBound = requireInt('refBound', input.refBound ?? DEFAULT_WORLD.refBound, lim.refBound.min, lim.refBound.max);
  const faults = requireBool('faults', input.faults ?? DEFAULT_WORLD.faults);
  const deferredRelease = requireBool('deferredRelease', input.deferredRelease ?? DEFAULT_WORLD.deferredRelease);
  const driversIn: unknown = input.drivers ?? [];
  // isArray and requireObject: a revoked proxy nested in the params is refused, not a TypeError.
  if (!isArray(driversIn)) throw new ParameterError('drivers', driversIn, "an array of { probe: 'ok' | 'fails' }");
  requireInt('drivers.length', driversIn.length, lim.drivers.min, lim.drivers.max);
  const drivers: WorldDriver[] = driversIn.map((d: unknown, i) => {
    const probe = typeof d === 'object' && d !== null ? (requireObject(`drivers[${i}]`, d, "{ probe: 'ok' | 'fails' }") as { probe?: unknown }).probe : undefined;
    if (probe !== 'ok' && probe !== 'fails') throw new ParameterError(`drivers[${i}].probe`, probe, "'ok' or 'fails'");
    return { probe };
  });
  const releaseIn = requireObject('release', input.release ?? {}, 'an object { present, freesContainer, freesId }');
  for (const key of Object.keys(releaseIn)) {
    if (!knownRelease.has(key)) throw new ParameterError(`release.${key}`, (releaseIn as Record<string, unknown>)[key], `no such field; known: ${[...knownRelease].join(', ')}`);
  }
  const r = releaseIn as Partial<WorldParams['release']>;
  const release = {
    present: requireBool('release.present', r.present ?? DEFAULT_WORLD.release.present),
    freesContainer: requireBool('release.freesContainer', r.freesContainer ?? DEFAULT_WORLD.release.freesContainer),
    freesId: requireBool('release.freesId', r.freesId ?? DEFAULT_WORLD.release.freesId),
  };
  if (r.calls !== undefined) {
    if (!RELEASE_CALLS.includes(r.calls)) throw new ParameterError('release.calls', r.calls, `one of ${RELEASE_CALLS.join(', ')}`);
    return { devices, idaRange, drivers, refBound, release: { ...release, calls: r.calls }, faults, deferredRelease };
  }
  return { devices, idaRange, drivers, refBound, release, faults, deferredRelease };
}

/** The largest id an IDA hands out: INT_MAX (§4). */
const INT_MAX = 2 ** 31 - 1;

function resolveRange(input: unknown): WorldParams['idaRange'] {
  const r = input ?? DEFAULT_WORLD.idaRange;
  requireObject('idaRange', r, 'an object { min, max }');
  if (isArray(r)) throw new ParameterError('idaRange', r, 'an object { min, max }');
  for (const key of Object.keys(r)) {
    if (key !== 'min' && key !== 'max') throw new ParameterError(`idaRange.${key}`, (r as Record<string, unknown>)[key], 'no such field; known: min, max');
  }
  const { min: minIn, max: maxIn } = r as { min?: unknown; max?: unknown };
  const min = requireInt('idaRange.min', minIn ?? 0, 0, INT_MAX, 'ida_alloc_range gives -ENOSPC for a negative min');
  const max = requireInt('idaRange.max', maxIn ?? min, 0, INT_MAX);
  if (min > max) throw new ParameterError('idaRange', `{ min: ${min}, max: ${max} }`, 'min <= max (an empty range can never hand out an id)');
  const ids = max - min + 1;
  const lim = WORLD_LIMITS.idaIds;
  // A range up to INT_MAX is what ida_alloc() and ida_alloc_min() ask for: a world of at most
  // WORLD_LIMITS.devices slots, each allocating once, never runs out of it, so it is replayed as is
  // (a driver's own routine translated into a world); the explorers refuse it (requireExplorable).
  if (ids > lim.max && max !== INT_MAX) {
    throw new ParameterError('idaRange', `{ min: ${min}, max: ${max} } (${ids} ids)`, `at most ${lim.max} ids (max - min + 1): larger ranges are too large to explore exhaustively; or a range up to INT_MAX (${INT_MAX}), as ida_alloc() asks for`);
  }
  return { min, max };
}

/**
 * Checks that resolved world params can be explored exhaustively: an IDA range of at most
 * WORLD_LIMITS.idaIds ids (a range up to INT_MAX is for replaying paths only). Throws
 * {@link ParameterError}.
 * @example requireExplorable(resolveWorldParams({ idaRange: { min: 0, max: 2 ** 31 - 1 } })) // throws
 */
export function requireExplorable(params: WorldParams): WorldParams {
  const { min, max } = params.idaRange;
  const ids = max - min + 1;
  if (ids > WORLD_LIMITS.idaIds.max) {
    throw new ParameterError('idaRange', `{ min: ${min}, max: ${max} } (${ids} ids)`, `at most ${WORLD_LIMITS.idaIds.max} ids to explore (a range up to INT_MAX replays paths, it is not explored)`);
  }
  // The explorers decide a slot's calls from that slot alone, and an add reads the whole bus: a
  // release that adds its own device at whichever call runs it is explored with one device only.
  if (params.release.calls === 'auxiliary_device_add' && params.devices > 1) {
    throw new ParameterError('release.calls', 'auxiliary_device_add', `another call with ${params.devices} devices: a release that adds its device is explored with one device slot`);
  }
  return params;
}
