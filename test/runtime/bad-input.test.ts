import { describe, expect, it } from 'vitest';
import {
  AUXILIARY_NAME_SIZE, FAULT_SITES, ForeignObjectError, Kernel, ParameterError,
  type Allocation, type AuxDevice, type AuxDriver, type Ida, type ParentDevice,
} from '../../src/index.js';
import { thrown } from '../support/auxdrv.js';

/**
 * Every public function rejects nonsense with a typed error that names the parameter and what was
 * expected, and the rejected call changes nothing: the report, the bus, the drivers, the ids, the
 * devices' state and reference counts, the kernel log, the fault log, pending devres actions and
 * the call numbering are what they were, and what a kernel that never saw the call shows.
 */

interface World {
  k: Kernel;
  pdev: ParentDevice;
  ida: Ida;
  /** Added, bound to `drv`, id 0 from `ida`. */
  adev: AuxDevice;
  /** Initialized, not added (an add would put it on the bus). */
  fresh: AuxDevice;
  drv: AuxDriver;
  /** A matching driver, not registered (a register would add it to the bus). */
  idle: AuxDriver;
  /** Another kernel's objects. */
  other: { k: Kernel; pdev: ParentDevice; adev: AuxDevice; ida: Ida; mem: Allocation };
}

function world(): World {
  const k = new Kernel({ mode: 'audit' });
  const pdev = k.parentDevice('0000:03:00.0');
  const ida = k.idaInit('my_ida');
  const drv = k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'mymod.foo' }], probe: () => 0, remove: () => {} });
  expect(drv.register('drvmod')).toBe(0);
  const idle = k.auxiliaryDriver({ name: 'idle', idTable: [{ name: 'mymod.bar' }], probe: () => 0 });
  const mk = (kk: Kernel, parent: ParentDevice, name: string, id: number) => {
    const d = kk.kzallocDevice()!;
    d.name = name;
    d.id = id;
    d.parent = parent;
    d.release = (x) => kk.kfree(x);
    expect(d.init()).toBe(0);
    return d;
  };
  const adev = mk(k, pdev, 'foo', ida.alloc());
  expect(adev.add('mymod')).toBe(0);
  const fresh = mk(k, pdev, 'bar', 7);
  expect(pdev.devmAddActionOrReset('cleanup', () => {})).toBe(0);

  const k2 = new Kernel();
  const pdev2 = k2.parentDevice('0000:05:00.0');
  const ida2 = k2.idaInit('their_ida');
  const adev2 = mk(k2, pdev2, 'foo', ida2.alloc());
  const mem2 = k2.kzalloc('theirs')!;
  return { k, pdev, ida, adev, fresh, drv, idle, other: { k: k2, pdev: pdev2, adev: adev2, ida: ida2, mem: mem2 } };
}

/** Everything observable, as plain data (no kernel calls are made to take it). */
function snapshot(w: World) {
  const device = (d: AuxDevice) => ({ state: d.stateId, refcount: d.refcount, devName: d.devName, driver: d.driver?.driverName, releases: d.releaseCalls });
  const k = w.k;
  return JSON.parse(JSON.stringify({
    report: k.report(),
    bus: k.bus.list(),
    drivers: k.bus.driverNames(),
    ids: w.ida.allocated,
    adev: device(w.adev),
    fresh: device(w.fresh),
    drv: w.drv.stateId,
    idle: w.idle.stateId,
    log: k.log,
    faultCalls: k.faults.calls,
    devres: w.pdev.pendingDevres,
    other: { report: w.other.k.report(), ids: w.other.ida.allocated, adev: device(w.other.adev) },
  })) as unknown;
}

type ErrorType = typeof ParameterError | typeof ForeignObjectError;

/**
 * Runs `bad` on a fresh world: it must throw `type` (naming `parameter` for a ParameterError,
 * with a message matching `message`) and leave the world as it was and as an untouched twin is.
 */
function expectRejected(bad: (w: World) => unknown, type: ErrorType, parameter: string, message: RegExp) {
  const w = world();
  const twin = world();
  const before = snapshot(w);
  const err = thrown(() => bad(w));
  expect(err).toBeInstanceOf(type);
  const e = err as Error;
  if (type === ParameterError) expect((e as ParameterError).parameter).toBe(parameter);
  expect(e.message).toContain(parameter);
  expect(e.message).toMatch(message);
  expect(snapshot(w)).toEqual(before);
  expect(snapshot(w)).toEqual(snapshot(twin));
  // The call numbering did not move, and no fault was left armed for the next fallible call.
  const next = w.k.kzalloc('next');
  const twinNext = twin.k.kzalloc('next');
  expect(next).not.toBeNull();
  expect(next!.createdAt.step).toBe(twinNext!.createdAt.step);
  expect(w.k.faults.injected).toBe(false);
}

const U32 = /an integer from 0 to 4294967295/;

describe('ids: negative, non-integer, out of range (§1.1 u32 id, §4 unsigned IDA bounds)', () => {
  for (const bad of [-1, 1.5, 2 ** 32, Number.NaN]) {
    it(`§1.1 adev.id = ${bad} is a ParameterError on adev.id (a u32) and the id stays 7`, () => {
      expectRejected((w) => { w.fresh.id = bad; }, ParameterError, 'adev.id', U32);
    });
  }

  it('§4 ida.alloc({ min: -1 }) is a ParameterError on alloc.min (unsigned bounds); no id is allocated', () => {
    expectRejected((w) => w.ida.alloc({ min: -1 }), ParameterError, 'alloc.min', /unsigned/);
  });

  it('§4 ida.alloc({ max: 1.5 }) is a ParameterError on alloc.max', () => {
    expectRejected((w) => w.ida.alloc({ max: 1.5 }), ParameterError, 'alloc.max', /an integer/);
  });

  it('§4 ida.alloc(null) is a ParameterError on alloc(range)', () => {
    expectRejected((w) => w.ida.alloc(null as never), ParameterError, 'alloc(range)', /an object/);
  });

  for (const bad of [1.5, 2 ** 32, -(2 ** 31) - 1]) {
    it(`§4 ida.free(${bad}) (no unsigned int) is a ParameterError on ida_free(id)`, () => {
      expectRejected((w) => w.ida.free(bad), ParameterError, 'ida_free(id)', /an integer from -2147483648 to 4294967295/);
    });
  }

  it('§4 ida.free(0, {}) is a ParameterError on ida_free(owner); id 0 stays allocated', () => {
    expectRejected((w) => w.ida.free(0, {} as never), ParameterError, 'ida_free(owner)', /AuxDevice or 'code'/);
  });

  it('§1.5 auxiliary_device_create with id 1.5 or 2^31 (it takes an int) is a ParameterError on id', () => {
    expectRejected((w) => w.k.auxiliaryDeviceCreate(w.pdev, 'mymod', 'baz', undefined, 1.5), ParameterError, 'id', /int id/);
    expectRejected((w) => w.k.auxiliaryDeviceCreate(w.pdev, 'mymod', 'baz', undefined, 2 ** 31), ParameterError, 'id', /2147483647/);
  });
});

describe('empty names and labels', () => {
  it('§1.1 adev.name = \'\' is a ParameterError on adev.name (null is the NULL name)', () => {
    expectRejected((w) => { w.fresh.name = ''; }, ParameterError, 'adev.name', /non-empty string/);
  });

  it('§1.3 add(\'\') is a ParameterError on add(modname); the device is not added', () => {
    expectRejected((w) => w.fresh.add(''), ParameterError, 'add(modname)', /non-empty module name/);
  });

  it('§1.2 (dev.parent) k.parentDevice(\'\') is a ParameterError on parentDevice(name)', () => {
    expectRejected((w) => w.k.parentDevice(''), ParameterError, 'parentDevice(name)', /non-empty string/);
  });

  it('§1.5, §4 k.kzalloc(\'\'), k.kzallocDevice(\'\') and k.idaInit(\'\') are ParameterErrors on their label', () => {
    expectRejected((w) => w.k.kzalloc(''), ParameterError, 'label', /non-empty string/);
    expectRejected((w) => w.k.kzallocDevice(''), ParameterError, 'label', /non-empty string/);
    expectRejected((w) => w.k.idaInit(''), ParameterError, 'idaInit(label)', /non-empty string/);
  });

  it('§1.5 auxiliary_device_create with an empty modname or devname is a ParameterError naming it', () => {
    expectRejected((w) => w.k.auxiliaryDeviceCreate(w.pdev, '', 'baz', undefined, 0), ParameterError, 'modname', /non-empty string/);
    expectRejected((w) => w.k.devmAuxiliaryDeviceCreate(w.pdev, 'mymod', ''), ParameterError, 'devname', /non-empty string/);
  });

  it('§1.9 register(\'\') is a ParameterError on register(modname); the driver is not registered', () => {
    expectRejected((w) => w.idle.register(''), ParameterError, 'register(modname)', /non-empty module name/);
  });
});

describe('§1.7 a bad driver id table (and other driver fields)', () => {
  const probe = () => 0;
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['a bad second entry', [{ name: 'mymod.foo' }, { name: '' }], 'driver.idTable[1].name', /non-empty string/],
    [`a name of ${AUXILIARY_NAME_SIZE} characters (AUXILIARY_NAME_SIZE ${AUXILIARY_NAME_SIZE} includes the NUL, §1.1)`,
      [{ name: `mymod.${'x'.repeat(AUXILIARY_NAME_SIZE - 6)}` }], 'driver.idTable[0].name', /fewer than 40 characters/],
    ['an entry with no name', [{}], 'driver.idTable[0].name', /non-empty string/],
    ['a table that is not an array', { name: 'mymod.foo' }, 'driver.idTable', /an array/],
    ['a string table', 'mymod.foo', 'driver.idTable', /an array/],
  ];
  for (const [what, idTable, parameter, message] of cases) {
    it(`§1.7 ${what} is a ParameterError on ${parameter}`, () => {
      expectRejected((w) => w.k.auxiliaryDriver({ idTable: idTable as never, probe }), ParameterError, parameter, message);
    });
  }

  it('§1.7 an entry without a \'.\' or with an empty part is accepted, as the kernel accepts it, and never matches', () => {
    const k = new Kernel();
    const drv = k.auxiliaryDriver({ idTable: [{ name: 'foo' }, { name: '.foo' }, { name: 'mymod.' }], probe });
    expect(drv.register('drv')).toBe(0);
    const adev = k.auxiliaryDeviceCreate(k.parentDevice('p'), 'mymod', 'foo', undefined, 0)!;
    expect(adev.devName).toBe('mymod.foo.0');
    expect(adev.driver).toBeUndefined();
    expect(k.report().violations).toEqual([]);
  });

  it('§1.1 a 39-character entry (the longest that fits AUXILIARY_NAME_SIZE 40) is accepted and matches', () => {
    const k = new Kernel();
    const name = 'x'.repeat(AUXILIARY_NAME_SIZE - 1 - 'mymod.'.length);
    const drv = k.auxiliaryDriver({ idTable: [{ name: `mymod.${name}` }], probe });
    expect(drv.register('drv')).toBe(0);
    const adev = k.auxiliaryDeviceCreate(k.parentDevice('p'), 'mymod', name, undefined, 0)!;
    expect(adev.driver).toBe(drv);
  });

  it('§1.1, §1.9 a driver spec that is not an object, an empty driver name, or a probe that is not a function is a ParameterError naming it', () => {
    expectRejected((w) => w.k.auxiliaryDriver(null as never), ParameterError, 'auxiliaryDriver(spec)', /an object/);
    expectRejected((w) => w.k.auxiliaryDriver({ name: '', idTable: [], probe }), ParameterError, 'driver.name', /non-empty string/);
    expectRejected((w) => w.k.auxiliaryDriver({ idTable: [], probe: 5 as never }), ParameterError, 'driver.probe', /a function/);
  });
});

describe('unknown handles', () => {
  it('§3.7 k.kfree({}) is a ParameterError on kfree(ptr)', () => {
    expectRejected((w) => w.k.kfree({} as never), ParameterError, 'kfree(ptr)', /Allocation or AuxDevice/);
  });

  it('§1.2 adev.parent = {} is a ParameterError on adev.parent', () => {
    expectRejected((w) => { w.fresh.parent = {} as never; }, ParameterError, 'adev.parent', /ParentDevice/);
  });

  it('§3.6 adev.release = 5 is a ParameterError on adev.release', () => {
    expectRejected((w) => { w.fresh.release = 5 as never; }, ParameterError, 'adev.release', /a function/);
  });

  it('§1.4 auxiliary_device_destroy({}) and auxiliary_device_create({}, ...) are ParameterErrors naming the argument', () => {
    expectRejected((w) => w.k.auxiliaryDeviceDestroy({} as never), ParameterError, 'auxiliary_device_destroy(adev)', /AuxDevice/);
    expectRejected((w) => w.k.auxiliaryDeviceCreate({} as never, 'mymod', 'baz', undefined, 0), ParameterError, 'parent', /ParentDevice/);
  });

  it('§1.6 devm_add_action_or_reset with an action that is not a function is a ParameterError', () => {
    expectRejected((w) => w.pdev.devmAddActionOrReset('x', 5 as never), ParameterError, 'devmAddActionOrReset(action)', /a function/);
  });
});

describe('another kernel\'s objects', () => {
  it('§3.7 k1.kfree(k2\'s device) is a ForeignObjectError; neither kernel changes', () => {
    expectRejected((w) => w.k.kfree(w.other.adev), ForeignObjectError, 'kfree(ptr)', /made by this Kernel/);
  });

  it('§3.7 k1.kfree(k2\'s allocation) is a ForeignObjectError', () => {
    expectRejected((w) => w.k.kfree(w.other.mem), ForeignObjectError, 'kfree(ptr)', /made by this Kernel/);
  });

  it('§1.2 adev.parent = another kernel\'s parent is a ForeignObjectError', () => {
    expectRejected((w) => { w.fresh.parent = w.other.pdev; }, ForeignObjectError, 'adev.parent', /made by this Kernel/);
  });

  it('§4 ida.free(id, another kernel\'s device) is a ForeignObjectError; id 0 stays allocated in both', () => {
    expectRejected((w) => w.ida.free(0, w.other.adev), ForeignObjectError, 'ida_free(owner)', /made by this Kernel/);
  });

  it('§1.4, §1.5, §1.6 create / destroy with another kernel\'s parent or device is a ForeignObjectError', () => {
    expectRejected((w) => w.k.auxiliaryDeviceCreate(w.other.pdev, 'mymod', 'baz', undefined, 0), ForeignObjectError, 'parent', /made by this Kernel/);
    expectRejected((w) => w.k.devmAuxiliaryDeviceCreate(w.other.pdev, 'mymod', 'baz'), ForeignObjectError, 'parent', /made by this Kernel/);
    expectRejected((w) => w.k.auxiliaryDeviceDestroy(w.other.adev), ForeignObjectError, 'auxiliary_device_destroy(adev)', /made by this Kernel/);
  });
});

describe('kernel options and fault injection', () => {
  it('model.md §2 new Kernel({ mode: \'loud\' }) is a ParameterError on mode naming both modes', () => {
    const e = thrown(() => new Kernel({ mode: 'loud' as never }));
    expect(e).toBeInstanceOf(ParameterError);
    expect((e as ParameterError).parameter).toBe('mode');
    expect((e as Error).message).toMatch(/'strict' or 'audit'/);
    expect((e as ParameterError).received).toBe('loud');
  });

  it('model.md §2 new Kernel(null) is a ParameterError on Kernel(options)', () => {
    const e = thrown(() => new Kernel(null as never));
    expect(e).toBeInstanceOf(ParameterError);
    expect((e as ParameterError).parameter).toBe('Kernel(options)');
  });

  it('§2 failNth(-1) and failNth(1.5) are ParameterErrors on failNth(n); nothing is armed', () => {
    expectRejected((w) => w.k.faults.failNth(-1), ParameterError, 'failNth(n)', /an integer from 0/);
    expectRejected((w) => w.k.faults.failNth(1.5), ParameterError, 'failNth(n)', /an integer from 0/);
  });

  it('§2 failSite(\'nope\') is a ParameterError on failSite(site) listing the sites; failSite(site, -1) on failSite(k)', () => {
    const sites = new RegExp(FAULT_SITES.join(', '));
    expectRejected((w) => w.k.faults.failSite('nope' as never), ParameterError, 'failSite(site)', sites);
    expectRejected((w) => w.k.faults.failSite('kzalloc', -1), ParameterError, 'failSite(k)', /an integer from 0/);
  });
});

describe('§1.8 what a probe returns', () => {
  const setup = (result: unknown) => {
    const k = new Kernel();
    const pdev = k.parentDevice('p');
    const drv = k.auxiliaryDriver({ name: 'drv', idTable: [{ name: 'mymod.foo' }], probe: () => result as number });
    expect(drv.register('drvmod')).toBe(0);
    const adev = k.kzallocDevice()!;
    adev.name = 'foo';
    adev.parent = pdev;
    adev.release = (d) => k.kfree(d);
    expect(adev.init()).toBe(0);
    return { k, adev };
  };

  it('§1.8 really_probe treats a positive return as a failed probe: add returns 0, the device stays added and unbound', () => {
    const { k, adev } = setup(1);
    expect(adev.add('mymod')).toBe(0);
    expect(adev.driver).toBeUndefined();
    expect(adev.hasTag('bound')).toBe(false);
    expect(k.bus.list()).toEqual(['mymod.foo.0']);
    expect(k.report().violations).toEqual([]);
  });

  for (const result of [0.5, Number.NaN, 'ok']) {
    it(`a probe returning ${String(result)} is a ParameterError naming the driver's probe() return; the device is left added and unbound, nothing reported`, () => {
      const { k, adev } = setup(result);
      const e = thrown(() => adev.add('mymod'));
      expect(e).toBeInstanceOf(ParameterError);
      expect((e as ParameterError).parameter).toMatch(/probe\(\) return/);
      expect((e as ParameterError).parameter).toContain('drvmod.drv');
      expect((e as Error).message).toMatch(/an integer: 0, or a negative errno/);
      expect(adev.driver).toBeUndefined();
      expect(adev.hasTag('bound')).toBe(false);
      expect(k.report().violations).toEqual([]);
    });
  }
});
