/**
 * Bad world parameters: `resolveWorldParams` and `createWorld` must refuse them with a
 * `ParameterError` that names the parameter and says what was expected, and must not touch the
 * caller's object. The bounds are those of the world's own contract (world.types.ts, WORLD_LIMITS);
 * an IDA range is inclusive and ids never exceed INT_MAX (kernel-auxbus.md §4).
 */
import { describe, expect, it } from 'vitest';
import { createWorld, ParameterError, resolveWorldParams, type WorldParamsInput } from '../../machines/index.js';

const INT_MAX = 2 ** 31 - 1;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** [what is wrong, the input, the parameter the error must name] */
const bad: Array<[string, unknown, string]> = [
  ['negative device count', { devices: -1 }, 'devices'],
  ['zero devices', { devices: 0 }, 'devices'],
  ['non-integer device count', { devices: 1.5 }, 'devices'],
  ['NaN device count', { devices: Number.NaN }, 'devices'],
  ['infinite device count', { devices: Number.POSITIVE_INFINITY }, 'devices'],
  ['too many devices', { devices: 7 }, 'devices'],
  ['device count as a string', { devices: '2' }, 'devices'],
  ['idaRange with min > max (an empty range, §4 -ENOSPC forever)', { idaRange: { min: 2, max: 1 } }, 'idaRange'],
  ['idaRange with a negative min (§4: -ENOSPC)', { idaRange: { min: -1, max: 1 } }, 'idaRange.min'],
  ['idaRange with a non-integer min', { idaRange: { min: 0.5, max: 1 } }, 'idaRange.min'],
  ['idaRange with a non-integer max', { idaRange: { min: 0, max: 1.5 } }, 'idaRange.max'],
  ['idaRange with a NaN max', { idaRange: { min: 0, max: Number.NaN } }, 'idaRange.max'],
  ['idaRange with a string min', { idaRange: { min: '0', max: 1 } }, 'idaRange.min'],
  ['idaRange with a max above INT_MAX (§4)', { idaRange: { min: INT_MAX, max: INT_MAX + 1 } }, 'idaRange.max'],
  ['idaRange of 17 ids', { idaRange: { min: 0, max: 16 } }, 'idaRange'],
  ['idaRange of 17 ids not starting at 0', { idaRange: { min: 10, max: 26 } }, 'idaRange'],
  ['idaRange that is a number', { idaRange: 3 }, 'idaRange'],
  ['idaRange that is an array', { idaRange: [0, 1] }, 'idaRange'],
  ['idaRange with an unknown field', { idaRange: { min: 0, max: 1, step: 1 } }, 'idaRange.step'],
  ['refBound 0', { refBound: 0 }, 'refBound'],
  ['refBound too large', { refBound: 5 }, 'refBound'],
  ['non-integer refBound', { refBound: 1.5 }, 'refBound'],
  ['NaN refBound', { refBound: Number.NaN }, 'refBound'],
  ['refBound as a string', { refBound: '2' }, 'refBound'],
  ['an unknown key', { device: 2 }, 'device'],
  ['a misspelt key', { fault: true }, 'fault'],
  ['drivers that is a string', { drivers: 'ok' }, 'drivers'],
  ['drivers that is an object', { drivers: { probe: 'ok' } }, 'drivers'],
  ['too many drivers', { drivers: [{ probe: 'ok' }, { probe: 'ok' }, { probe: 'ok' }, { probe: 'ok' }] }, 'drivers.length'],
  ['a driver with an unknown probe outcome', { drivers: [{ probe: 'maybe' }] }, 'drivers[0].probe'],
  ['a driver that is null', { drivers: [{ probe: 'ok' }, null] }, 'drivers[1].probe'],
  ['a driver given as a bare string', { drivers: ['ok'] }, 'drivers[0].probe'],
  ['release that is a string', { release: 'yes' }, 'release'],
  ['release that is a number', { release: 1 }, 'release'],
  ['release.present not a boolean', { release: { present: 'yes' } }, 'release.present'],
  ['release.freesId not a boolean', { release: { freesId: 1 } }, 'release.freesId'],
  ['release.freesContainer not a boolean', { release: { freesContainer: 'no', present: true } }, 'release.freesContainer'],
  ['release.calls not a call a release can make', { release: { calls: 'kfree' } }, 'release.calls'],
  ['release with an unknown field', { release: { frees: true } }, 'release.frees'],
  ['faults not a boolean', { faults: 'yes' }, 'faults'],
];

/** Whole inputs that are not a params object at all. */
const notAnObject: Array<[string, unknown]> = [
  ['null', null],
  ['an array', [1]],
  ['a number', 2],
  ['a string', 'devices=2'],
];

function expectParameterError(fn: () => unknown, parameter: string): ParameterError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ParameterError);
  const err = caught as ParameterError;
  expect(err.parameter).toBe(parameter);
  expect(err.code).toBe('invalid-parameter');
  expect(err.expected.length).toBeGreaterThan(0);
  // The message names the parameter and says what was expected.
  expect(err.message.startsWith(`${parameter}:`)).toBe(true);
  expect(err.message).toContain(`expected ${err.expected}`);
  return err;
}

describe('world parameters: bad input is refused with a ParameterError (resolveWorldParams, createWorld)', () => {
  for (const [what, input, parameter] of bad) {
    it(`refuses ${what}: names "${parameter}", says what was expected, leaves the input unchanged`, () => {
      for (const fn of [resolveWorldParams, createWorld]) {
        const original = structuredClone(input);
        const frozen = deepFreeze(structuredClone(input));
        expectParameterError(() => fn(frozen as WorldParamsInput), parameter);
        expect(frozen).toEqual(original);
        // An unfrozen object is not modified either (no defaults written back into it).
        const plain = structuredClone(input);
        expectParameterError(() => fn(plain as WorldParamsInput), parameter);
        expect(plain).toEqual(original);
      }
    });
  }

  for (const [what, input] of notAnObject) {
    it(`refuses params that are ${what}`, () => {
      for (const fn of [resolveWorldParams, createWorld]) {
        const err = expectParameterError(() => fn(input as WorldParamsInput), 'world params');
        expect(err.message).toContain('an object');
      }
    });
  }

  it('the message quotes the value received (a string is quoted, so "2" and 2 read differently)', () => {
    const err = expectParameterError(() => resolveWorldParams({ devices: '2' } as never), 'devices');
    expect(err.received).toBe('2');
    expect(err.message).toContain('got "2"');
    expect(err.message).toContain('an integer from 1 to 6');
  });

  it('the bounds themselves are accepted, and the defaults are the documented world (one device, one id, the documented release)', () => {
    const input = deepFreeze({
      devices: 6,
      refBound: 4,
      idaRange: { min: INT_MAX - 15, max: INT_MAX },
      drivers: [{ probe: 'ok' as const }, { probe: 'fails' as const }, { probe: 'ok' as const }],
      release: { freesId: false },
      faults: true,
    });
    const p = resolveWorldParams(input);
    expect(p.devices).toBe(6);
    expect(p.refBound).toBe(4);
    expect(p.idaRange).toEqual({ min: INT_MAX - 15, max: INT_MAX });
    expect(p.drivers.map((d) => d.probe)).toEqual(['ok', 'fails', 'ok']);
    expect(p.release).toEqual({ present: true, freesContainer: true, freesId: false });
    expect(resolveWorldParams({ devices: 1, refBound: 1, idaRange: { min: 0, max: 15 } }).idaRange).toEqual({ min: 0, max: 15 });
    const d = resolveWorldParams();
    expect(d).toEqual({
      devices: 1,
      idaRange: { min: 0, max: 0 },
      drivers: [],
      refBound: 1,
      release: { present: true, freesContainer: true, freesId: true },
      faults: false,
      deferredRelease: false,
    });
    // A range given by its min alone is that one id.
    expect(resolveWorldParams({ idaRange: { min: 3 } }).idaRange).toEqual({ min: 3, max: 3 });
  });
});
