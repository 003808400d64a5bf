import { describe, expect, it } from 'vitest';
import { Kernel, NEG, type AuxDevice, type ParentDevice } from '../../src/index.js';
import { codes, env, myRegister, myUnregister, type Env } from '../support/auxdrv.js';

/**
 * Fault injection (model.md §2: "the n-th fallible call fails", like /proc/<tid>/fail-nth): it is
 * deterministic, it strikes where the kernel allocates and returns the errno the kernel returns
 * there (kernel-auxbus.md §1.3, §1.5, §1.6, §1.9, §3.3, §3.4, §4), and it cannot strike a step
 * the call never reaches.
 */

/** One run of the correct routine with a binding driver, register then unregister. */
function routine(n: number) {
  const e = env();
  const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
  expect(drv.register('drv')).toBe(0);
  e.k.faults.failNth(n);
  const adev = myRegister(e);
  if (typeof adev !== 'number') myUnregister(adev);
  return {
    e,
    returned: typeof adev === 'number' ? adev : adev.devName,
    calls: e.k.faults.calls.map((c) => ({ ...c })),
    report: JSON.parse(JSON.stringify(e.k.report())) as unknown,
    log: e.k.log.map((l) => ({ ...l })),
  };
}

/** A device filled and initialized, not added; its release frees it. */
function initialized(k: Kernel, parent: ParentDevice, name = 'foo', id = 0): AuxDevice {
  const adev = k.kzallocDevice()!;
  adev.name = name;
  adev.id = id;
  adev.parent = parent;
  adev.release = (d) => k.kfree(d);
  expect(adev.init()).toBe(0);
  return adev;
}

describe('model.md §2 fail-nth is deterministic and reproducible', () => {
  it('§2 the same routine with the same n fails the same call and gives the same report, log and fault log', () => {
    for (let n = 1; n <= 6; n++) {
      const a = routine(n);
      const b = routine(n);
      expect(b.returned).toEqual(a.returned);
      expect(b.calls).toEqual(a.calls);
      expect(b.report).toEqual(a.report);
      expect(b.log).toEqual(a.log);
      // Exactly the n-th fallible call after failNth failed (the driver registered before arming).
      const after = a.calls.slice(a.calls.findIndex((c) => c.site === 'kzalloc'));
      expect(after.map((c) => c.failed)).toEqual(after.map((_, i) => i === n - 1));
    }
  });

  it('§2 failNth counts from the moment it is armed, not from the start', () => {
    const { k } = env();
    k.kzalloc('a');
    k.kzalloc('b');
    k.faults.failNth(2);
    expect(k.kzalloc('c')).not.toBeNull();
    expect(k.kzalloc('d')).toBeNull();
    expect(k.kzalloc('e')).not.toBeNull(); // one shot
    expect(k.faults.calls.map((c) => c.failed)).toEqual([false, false, false, true, false]);
  });

  it('§2 failNth(0) and failSite(site, 0) cancel an armed fault', () => {
    const { k } = env();
    k.faults.failNth(1);
    k.faults.failNth(0);
    k.faults.failSite('kzalloc');
    k.faults.failSite('kzalloc', 0);
    expect(k.kzalloc()).not.toBeNull();
    expect(k.faults.injected).toBe(false);
  });

  it('§2 failSite(site, k) fails the k-th call at that site from now, whatever else is called in between', () => {
    const e = env();
    e.k.kzalloc('before');
    e.k.faults.failSite('kzalloc', 3);
    const got = [e.k.kzalloc('1'), e.ida.alloc(), e.k.kzalloc('2'), e.ida.alloc(), e.k.kzalloc('3'), e.k.kzalloc('4')];
    expect(got.map((g) => (g === null ? 'NULL' : typeof g === 'number' ? g : 'ok'))).toEqual(['ok', 0, 'ok', 1, 'NULL', 'ok']);
    expect(e.k.faults.calls.filter((c) => c.failed).map((c) => [c.site, c.nth])).toEqual([['kzalloc', 6]]);
  });
});

describe('each fault site returns the documented error at the documented call', () => {
  it('§1.5 kzalloc: kzalloc and kzallocDevice return NULL', () => {
    const { k } = env();
    k.faults.failSite('kzalloc', 1);
    expect(k.kzalloc()).toBeNull();
    k.faults.failSite('kzalloc', 1);
    expect(k.kzallocDevice()).toBeNull();
    expect(k.report().clean).toBe(true);
  });

  it('§4 ida_alloc: -ENOMEM and no id is taken; the next allocation hands out the lowest free id', () => {
    const e = env();
    expect(e.ida.alloc()).toBe(0);
    e.k.faults.failSite('ida_alloc');
    expect(e.ida.alloc()).toBe(NEG.ENOMEM);
    expect(e.ida.allocated).toEqual([0]);
    expect(e.ida.alloc()).toBe(1);
  });

  it('§1.3, §3.3 dev_set_name: add returns -ENOMEM with no name set and the device off the bus; uninit unwinds cleanly', () => {
    const e = env();
    const adev = initialized(e.k, e.parent);
    e.k.faults.failSite('dev_set_name');
    expect(adev.add('mymod')).toBe(NEG.ENOMEM);
    expect(adev.devName).toBeNull();
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.log.map((l) => l.text)).toContain('auxiliary device dev_set_name failed: -12');
    adev.uninit();
    expect(adev.releaseCalls).toBe(1);
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.3, §3.4 device_add: add returns -ENOMEM with the name already set, the device off the bus and the name not taken', () => {
    const e = env();
    const adev = initialized(e.k, e.parent);
    e.k.faults.failSite('device_add');
    expect(adev.add('mymod')).toBe(NEG.ENOMEM);
    expect(adev.devName).toBe('mymod.foo.0');
    expect(e.k.bus.list()).toEqual([]);
    expect(e.k.log.map((l) => l.text)).toContain('adding auxiliary device failed!: -12');
    adev.uninit();
    const again = initialized(e.k, e.parent);
    expect(again.add('mymod')).toBe(0);
    myUnregister(again);
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.9 driver_name (kasprintf) and driver_register (bus_add_driver): register returns -ENOMEM, the driver is not on the bus and probes nothing', () => {
    for (const site of ['driver_name', 'driver_register'] as const) {
      const e = env();
      const adev = myRegister(e) as AuxDevice;
      const probed: string[] = [];
      const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: (d) => { probed.push(d.devName!); return 0; } });
      e.k.faults.failSite(site);
      expect(drv.register('drv'), site).toBe(NEG.ENOMEM);
      expect(e.k.bus.driverNames()).toEqual([]);
      expect(probed).toEqual([]);
      expect(adev.driver).toBeUndefined();
      expect(e.k.report().violations).toEqual([]);
      // Registering again works: the failure left nothing behind.
      expect(drv.register('drv')).toBe(0);
      expect(probed).toEqual(['mymod.foo.0']);
      myUnregister(adev);
    }
  });

  it('§1.8 probe: the device is added but stays unbound (the bus probe fails before the driver\'s probe, as a PM-domain attach failure does); add still returns 0', () => {
    const e = env();
    const probed: string[] = [];
    const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: (d) => { probed.push(d.devName!); return 0; } });
    expect(drv.register('drv')).toBe(0);
    e.k.faults.failSite('probe');
    const adev = myRegister(e) as AuxDevice;
    expect(typeof adev).toBe('object');
    expect(e.k.bus.list()).toEqual(['mymod.foo.0']);
    expect(adev.hasTag('bound')).toBe(false);
    expect(adev.driver).toBeUndefined();
    expect(probed).toEqual([]);
    myUnregister(adev);
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.6 devres: devm_add_action_or_reset runs the action at once and returns -ENOMEM; nothing stays pending', () => {
    const e = env();
    const ran: string[] = [];
    e.k.faults.failSite('devres');
    expect(e.parent.devmAddActionOrReset('mine', () => ran.push('mine'))).toBe(NEG.ENOMEM);
    expect(ran).toEqual(['mine']);
    expect(e.parent.pendingDevres).toEqual([]);
    e.parent.unbind();
    expect(ran).toEqual(['mine']);
  });
});

describe('a fault cannot strike a step the call never reaches', () => {
  it('§1.3 add with a NULL modname fails with -EINVAL before dev_set_name: an armed dev_set_name fault stays armed', () => {
    const e = env();
    const a = initialized(e.k, e.parent);
    e.k.faults.failSite('dev_set_name');
    expect(a.add(null)).toBe(NEG.EINVAL);
    expect(e.k.log.map((l) => l.text)).toContain('auxiliary device modname is NULL');
    expect(e.k.faults.calls.filter((c) => c.site === 'dev_set_name')).toEqual([]);
    a.uninit();
    const b = initialized(e.k, e.parent);
    expect(b.add('mymod')).toBe(NEG.ENOMEM); // the fault fires here instead
    b.uninit();
    expect(e.k.report().clean).toBe(true);
  });

  it('§1.3 when dev_set_name fails, device_add is never called: an armed device_add fault stays armed', () => {
    const e = env();
    const a = initialized(e.k, e.parent);
    e.k.faults.failSite('dev_set_name');
    e.k.faults.failSite('device_add');
    expect(a.add('mymod')).toBe(NEG.ENOMEM);
    expect(e.k.faults.calls.map((c) => c.site)).toEqual(['kzalloc', 'dev_set_name']);
    a.uninit();
    const b = initialized(e.k, e.parent);
    expect(b.add('mymod')).toBe(NEG.ENOMEM);
    expect(b.devName).toBe('mymod.foo.0'); // this time it failed in device_add, after the name
    b.uninit();
  });

  it('§4 a full range returns -ENOSPC without allocating: an armed ida_alloc fault stays armed', () => {
    const e = env();
    expect(e.ida.alloc({ min: 0, max: 0 })).toBe(0);
    e.k.faults.failSite('ida_alloc');
    expect(e.ida.alloc({ min: 0, max: 0 })).toBe(NEG.ENOSPC);
    expect(e.ida.alloc({ min: 5, max: 3 })).toBe(NEG.ENOSPC); // min > max
    expect(e.ida.alloc()).toBe(NEG.ENOMEM);
    expect(e.ida.allocated).toEqual([0]);
  });

  it('§1.9 a driver without probe fails at the WARN_ON before kasprintf: no driver_name fault is consumed', () => {
    const e = env();
    e.k.faults.failSite('driver_name');
    expect(e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }] }).register('drv')).toBe(NEG.EINVAL);
    expect(e.k.faults.calls).toEqual([]);
    expect(e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0 }).register('drv')).toBe(NEG.ENOMEM);
  });

  it('§1.9 a duplicate driver name gets -EBUSY from driver_find before bus_add_driver: no driver_register fault is consumed', () => {
    const e = env();
    const spec = { name: 'd', idTable: [{ name: 'mymod.foo' }], probe: () => 0 };
    expect(e.k.auxiliaryDriver(spec).register('drv')).toBe(0);
    e.k.faults.failSite('driver_register');
    expect(e.k.auxiliaryDriver(spec).register('drv')).toBe(NEG.EBUSY);
    expect(e.k.faults.calls.filter((c) => c.site === 'driver_register').map((c) => c.failed)).toEqual([false]);
    expect(e.k.auxiliaryDriver({ ...spec, name: 'other' }).register('drv')).toBe(NEG.ENOMEM);
  });

  it('§1.8 adding a device no driver matches calls no probe: an armed probe fault stays armed', () => {
    const e = env();
    const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.bar' }], probe: () => 0 });
    expect(drv.register('drv')).toBe(0);
    e.k.faults.failSite('probe');
    const foo = myRegister(e) as AuxDevice;
    expect(e.k.faults.calls.some((c) => c.site === 'probe')).toBe(false);
    const bar = myRegister(e, { name: 'bar' }) as AuxDevice;
    expect(bar.driver).toBeUndefined(); // the armed fault hit this probe
    myUnregister(foo);
    myUnregister(bar);
  });
});

describe('k.faults.calls logs every fallible call', () => {
  it('§2 the correct routine logs kzalloc, ida_alloc, dev_set_name, device_add, probe with 1-based nth, the failed flag and the step of the call', () => {
    const e: Env = env();
    const drv = e.k.auxiliaryDriver({ idTable: [{ name: 'mymod.foo' }], probe: () => 0 });
    expect(drv.register('drv')).toBe(0);
    expect(e.k.faults.calls.map((c) => c.site)).toEqual(['driver_name', 'driver_register']);
    e.k.faults.failSite('probe');
    const adev = myRegister(e) as AuxDevice;
    const calls = e.k.faults.calls.slice(2);
    expect(calls.map((c) => [c.nth, c.site, c.failed])).toEqual([
      [3, 'kzalloc', false], [4, 'ida_alloc', false], [5, 'dev_set_name', false], [6, 'device_add', false], [7, 'probe', true],
    ]);
    expect(calls[0]!.step).toBe(adev.createdAt.step);
    expect(calls[1]!.step).toBe(adev.createdAt.step + 1); // ida_alloc is the next call
    // dev_set_name, device_add and probe all belong to the one add call.
    expect(new Set(calls.slice(2).map((c) => c.step)).size).toBe(1);
    expect(calls[2]!.step).toBeGreaterThan(calls[1]!.step);
    expect(e.k.faults.injected).toBe(true);
    myUnregister(adev);
    expect(codes(e.k.report())).toEqual({ violations: [], leaks: [] });
  });
});

describe('model.md §2 several fail-nth targets at once (failNths, for combinations of failing calls)', () => {
  it('§2 failNths([2, 4]) fails the 2nd and the 4th fallible calls from now, and only those', () => {
    const { k } = env();
    k.kzalloc('before');
    k.faults.failNths([4, 2]); // order does not matter
    const got = [1, 2, 3, 4, 5].map((i) => k.kzalloc(String(i)));
    expect(got.map((g) => g === null)).toEqual([false, true, false, true, false]);
    expect(k.faults.failures.map((c) => c.nth)).toEqual([3, 5]);
  });

  it('§2 failNths([]) cancels; failNth replaces what failNths armed and the other way round; failSite targets stay', () => {
    const { k } = env();
    k.faults.failNths([1, 2]);
    k.faults.failNths([]);
    expect(k.kzalloc()).not.toBeNull();
    k.faults.failNths([1, 2]);
    k.faults.failNth(3);
    k.faults.failSite('kzalloc', 1);
    expect([k.kzalloc(), k.kzalloc(), k.kzalloc()].map((g) => g === null)).toEqual([true, false, true]);
    k.faults.failNth(1);
    k.faults.failNths([2]);
    expect([k.kzalloc(), k.kzalloc()].map((g) => g === null)).toEqual([false, true]);
  });

  it('§2 bad input (not an array, n < 1, fractional, repeated, too many) is a ParameterError and arms nothing', () => {
    const { k } = env();
    k.faults.failNth(1);
    const bad: unknown[] = ['1', [0], [1.5], [-1], [2, 2], Array.from({ length: 65 }, (_, i) => i + 1)];
    for (const ns of bad) {
      expect(() => k.faults.failNths(ns as number[]), JSON.stringify(ns)).toThrow(/failNths\(ns\)/);
    }
    // The earlier failNth(1) is still armed: nothing was replaced.
    expect(k.kzalloc()).toBeNull();
  });
});
